-- The chat conversation an LLM call answered in, so usage can be attributed per conversation
-- (investigations already have investigation_id).
ALTER TABLE llm_usage ADD COLUMN conversation_id TEXT;
CREATE INDEX llm_usage_conversation ON llm_usage (conversation_id);
