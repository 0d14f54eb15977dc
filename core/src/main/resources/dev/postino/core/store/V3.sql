-- DMARC aggregate reports (RFC 9990): each reportable evaluation until its period is reported, and the ledger of
-- reports sent, claimed before sending so that nodes sharing the store send each report once.
CREATE TABLE dmarc_evaluation (
  evaluated_at TIMESTAMP WITH TIME ZONE NOT NULL,
  policy_domain VARCHAR(255) NOT NULL,
  published VARCHAR(4000) NOT NULL,
  source_ip VARCHAR(64) NOT NULL,
  header_from VARCHAR(255) NOT NULL,
  envelope_from VARCHAR(255) NOT NULL,
  envelope_to VARCHAR(255) NOT NULL,
  disposition VARCHAR(16) NOT NULL,
  dkim_aligned BOOLEAN NOT NULL,
  spf_aligned BOOLEAN NOT NULL,
  override_type VARCHAR(32) NOT NULL,
  override_comment VARCHAR(255) NOT NULL,
  dkim VARCHAR(8000) NOT NULL,
  spf_domain VARCHAR(255) NOT NULL,
  spf_scope VARCHAR(8) NOT NULL,
  spf_result VARCHAR(16) NOT NULL
);
CREATE INDEX dmarc_evaluation_domain_time ON dmarc_evaluation (policy_domain, evaluated_at);
CREATE INDEX dmarc_evaluation_time ON dmarc_evaluation (evaluated_at);
CREATE TABLE dmarc_report_sent (
  policy_domain VARCHAR(255) NOT NULL,
  destination VARCHAR(600) NOT NULL,
  period_begin TIMESTAMP WITH TIME ZONE NOT NULL,
  state VARCHAR(8) NOT NULL,
  claimed_at TIMESTAMP WITH TIME ZONE NOT NULL,
  sent_at TIMESTAMP WITH TIME ZONE,
  report_id VARCHAR(700),
  PRIMARY KEY (policy_domain, destination, period_begin)
);
