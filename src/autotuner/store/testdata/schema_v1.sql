CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  spec TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at REAL NOT NULL,
  started_at REAL,
  finished_at REAL,
  stop_reason TEXT NOT NULL DEFAULT '',
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_heartbeat REAL
);
CREATE TABLE experiments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id BIGINT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  number BIGINT NOT NULL,
  parameters TEXT NOT NULL,
  status TEXT NOT NULL,
  transitions TEXT NOT NULL,
  metrics TEXT,
  score REAL,
  feasible BIGINT,
  error_class TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '',
  engine_log TEXT NOT NULL DEFAULT '',
  created_at REAL NOT NULL,
  UNIQUE (task_id, number)
);
CREATE TABLE logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id BIGINT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  experiment_id BIGINT,
  at REAL NOT NULL,
  level TEXT NOT NULL,
  line TEXT NOT NULL
);
CREATE INDEX logs_by_task ON logs (task_id, id);
CREATE TABLE checkpoints (
  task_id BIGINT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  saved_at REAL NOT NULL
);
CREATE TABLE presets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  parameters TEXT NOT NULL,
  builtin BIGINT NOT NULL DEFAULT 0,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL
);

INSERT INTO meta (key, value) VALUES ('schema_version', '1');
INSERT INTO meta (key, value) VALUES ('instance_id', 'f1x7u7e0000000a1');
INSERT INTO tasks (name, description, spec, status, created_at, started_at, finished_at, stop_reason, lease_owner, lease_heartbeat) VALUES ('fixture-quickstart', 'made at ac935cf', '{"task_name":"fixture-quickstart","base_runtime":"sim-sglang","model":{"id_or_path":"meta-llama/Llama-3.2-1B-Instruct"},"parameters":{"mem-fraction-static":[0.8,0.9]},"optimization":{"strategy":"grid_search","objective":"minimize_latency","max_iterations":2},"benchmark":{"model_tokenizer":"gpt2","traffic_scenarios":["D(100,100)"],"num_concurrency":[1]}}', 'completed', 1796000000.0, 1796000001.0, 1796000100.0, 'exhausted', '', NULL);
INSERT INTO tasks (name, description, spec, status, created_at, started_at, finished_at, stop_reason, lease_owner, lease_heartbeat) VALUES ('fixture-running', '', '{"task_name":"fixture-running","base_runtime":"sim-sglang","model":{"id_or_path":"meta-llama/Llama-3.2-1B-Instruct"},"parameters":{"mem-fraction-static":[0.8,0.9]},"optimization":{"strategy":"grid_search","objective":"minimize_latency","max_iterations":2},"benchmark":{"model_tokenizer":"gpt2","traffic_scenarios":["D(100,100)"],"num_concurrency":[1]}}', 'running', 1796000200.0, 1796000201.0, NULL, '', 'gone-host:4242:1', 1796000300.0);
INSERT INTO experiments (task_id, number, parameters, status, transitions, metrics, score, feasible, error_class, error_message, engine_log, created_at) VALUES (1, 1, '{"mem-fraction-static":0.8}', 'success', '[{"status":"pending","at":1796000002.0},{"status":"success","at":1796000050.0}]', '{"mean_e2e_latency":0.5}', 0.5, 1, '', '', 'engine ready', 1796000002.0);
INSERT INTO experiments (task_id, number, parameters, status, transitions, metrics, score, feasible, error_class, error_message, engine_log, created_at) VALUES (1, 2, '{"mem-fraction-static":0.9}', 'failed', '[{"status":"pending","at":1796000051.0},{"status":"failed","at":1796000090.0}]', NULL, NULL, 0, 'oom', 'CUDA out of memory', '', 1796000051.0);
INSERT INTO logs (task_id, experiment_id, at, level, line) VALUES (1, NULL, 1796000001.0, 'info', 'Starting study');
INSERT INTO logs (task_id, experiment_id, at, level, line) VALUES (1, 1, 1796000003.0, 'engine', 'engine ready');
INSERT INTO checkpoints (task_id, state, saved_at) VALUES (1, '{"strategy":"grid_search"}', 1796000100.0);
INSERT INTO presets (name, description, parameters, builtin, created_at, updated_at) VALUES ('fixture-preset', '', '{"tp-size":[1,2]}', 0, 1796000000.0, 1796000000.0);
