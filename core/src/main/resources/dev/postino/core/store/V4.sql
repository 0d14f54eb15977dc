-- MTA-STS policies (RFC 8461) as fetched, and TLS-RPT (RFC 8460) session counts and the ledger of reports sent.
CREATE TABLE mta_sts_policy (
  domain VARCHAR(253) PRIMARY KEY,
  policy_id VARCHAR(32) NOT NULL,
  policy_text VARCHAR(70000) NOT NULL,
  fetched_at TIMESTAMP WITH TIME ZONE NOT NULL,
  expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE TABLE mta_sts_tls_count (
  report_day VARCHAR(10) NOT NULL,
  policy_domain VARCHAR(253) NOT NULL,
  policy_hash VARCHAR(64) NOT NULL,
  policy_type VARCHAR(20) NOT NULL,
  policy_string VARCHAR(70000) NOT NULL,
  mx_hosts VARCHAR(70000) NOT NULL,
  result_type VARCHAR(40) NOT NULL,
  receiving_mx VARCHAR(253) NOT NULL,
  receiving_ip VARCHAR(45) NOT NULL,
  session_count BIGINT NOT NULL,
  PRIMARY KEY (report_day, policy_domain, policy_hash, result_type, receiving_mx, receiving_ip)
);
CREATE TABLE mta_sts_tls_report_sent (
  report_day VARCHAR(10) NOT NULL,
  policy_domain VARCHAR(253) NOT NULL,
  claimed_at TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (report_day, policy_domain)
);
