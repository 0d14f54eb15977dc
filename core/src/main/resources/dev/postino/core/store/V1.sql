-- Store infrastructure: which store this is, so nodes and tools can tell they share one.
CREATE TABLE store_info (
  id INTEGER PRIMARY KEY,
  store_id VARCHAR(36) NOT NULL,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL
);
