-- Deferred delivery: mail parked until due where the outgoing mail queue cannot delay (RabbitMQ)
CREATE TABLE deferred_mail (
  name VARCHAR(1000) PRIMARY KEY,
  sender VARCHAR(1000) NOT NULL,
  recipient_count INTEGER NOT NULL,
  due_at TIMESTAMP WITH TIME ZONE NOT NULL,
  arrival TIMESTAMP WITH TIME ZONE NOT NULL,
  attempts INTEGER NOT NULL,
  warnings INTEGER NOT NULL,
  state BYTEA NOT NULL,
  envelope BYTEA NOT NULL,
  message BYTEA NOT NULL,
  bounce_requested BOOLEAN NOT NULL,
  parked_at TIMESTAMP WITH TIME ZONE NOT NULL,
  parked_by VARCHAR(200) NOT NULL,
  claimed_by VARCHAR(200),
  claim_token VARCHAR(36),
  claimed_until TIMESTAMP WITH TIME ZONE
);
CREATE INDEX deferred_mail_due ON deferred_mail (due_at);
CREATE TABLE deferred_recipient (
  mail_name VARCHAR(1000) NOT NULL REFERENCES deferred_mail (name) ON DELETE CASCADE,
  recipient VARCHAR(1000) NOT NULL,
  domain VARCHAR(255) NOT NULL,
  PRIMARY KEY (mail_name, recipient)
);
CREATE INDEX deferred_recipient_domain ON deferred_recipient (domain);
