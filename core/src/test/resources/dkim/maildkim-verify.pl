#!/usr/bin/perl
# DKIM verification by Mail::DKIM (Debian libmail-dkim-perl), an independent implementation, for the signer's
# interop tests. Usage: maildkim-verify.pl HOST PORT < message
# Keys come from the DNS server at HOST:PORT (the tests' loopback TestDnsServer), nothing else.
# Prints one line per DKIM-Signature field, top first: "RESULT a=ALGORITHM d=DOMAIN s=SELECTOR (DETAIL)".
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS::Resolver;

my ($host, $port) = @ARGV;
Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(nameservers => [$host], port => $port, recurse => 1,
    tcp_timeout => 5, udp_timeout => 5, retry => 1));
binmode STDIN;
my $dkim = Mail::DKIM::Verifier->new();
while (my $line = <STDIN>) {
    $line =~ s/\r?\n\z/\r\n/;
    $dkim->PRINT($line);
}
$dkim->CLOSE();
foreach my $signature ($dkim->signatures) {
    printf "%s a=%s d=%s s=%s (%s)\n", $signature->result, $signature->algorithm, $signature->domain,
        $signature->selector, $signature->result_detail // "";
}
