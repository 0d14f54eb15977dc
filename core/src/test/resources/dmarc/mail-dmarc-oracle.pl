#!/usr/bin/perl
# Answers DMARC cases with Mail::DMARC (Debian libmail-dmarc-perl), an independent RFC 7489 implementation,
# for DmarcMailDmarcConformanceTest. Reads one JSON case per line on standard input:
#   {"id":N,"from":"author.domain","spf":{"domain":"d","result":"pass"},"dkim":[{"domain":"d","result":"pass"}]}
# and writes one JSON line per case: {"id":N,"result":"pass|fail|none","disposition":"none|quarantine|reject",
# "published":0|1,"reasons":"..."} (published: whether Mail::DMARC retrieved a policy record; reasons: its
# comments, e.g. "no valid rua" when it applies none), or {"id":N,"error":"..."}.
# DNS: the resolver at 127.0.0.1, port ARGV[0] (the test's TestDnsServer), nothing else.
use strict;
use warnings;
use JSON::PP;
use Net::DNS::Resolver;
use Mail::DMARC::PurePerl;

my $port = shift @ARGV or die "usage: $0 DNS_PORT\n";
my $resolver = Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $port, recurse => 1,
    udp_timeout => 3, tcp_timeout => 3, retry => 1, dnsrch => 0, defnames => 0);
my $json = JSON::PP->new->canonical;
$| = 1;

# Mail::DMARC warns about records it cannot parse; the verdict is what is compared
local $SIG{__WARN__} = sub { };

while (my $line = <STDIN>) {
    next unless $line =~ /\S/;
    my $case = $json->decode($line);
    my $dmarc = Mail::DMARC::PurePerl->new;
    $dmarc->set_resolver($resolver);
    my %out = (id => $case->{id});
    my $ok = eval {
        $dmarc->header_from($case->{from});
        $dmarc->spf(domain => $case->{spf}{domain}, scope => 'mfrom', result => $case->{spf}{result});
        $dmarc->dkim([ map { { domain => $_->{domain}, selector => 's', result => $_->{result} } } @{ $case->{dkim} } ]);
        my $result = $dmarc->validate;
        $out{result} = lc($result->result // '');
        $out{disposition} = lc($result->disposition // '');
        $out{published} = (eval { $result->published } ? 1 : 0);
        $out{reasons} = join('; ', map { $_->comment // '' } @{ $result->reason || [] });
        1;
    };
    if (!$ok) {
        my $error = $@ // 'unknown';
        $error =~ s/\s+/ /g;
        $out{error} = $error;
    }
    print $json->encode(\%out), "\n";
}
