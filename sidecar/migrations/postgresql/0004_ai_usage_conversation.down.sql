DROP INDEX llm_usage_conversation;
ALTER TABLE llm_usage DROP COLUMN conversation_id;
