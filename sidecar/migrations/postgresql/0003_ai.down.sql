DROP TABLE llm_usage;
DROP TABLE chat_messages;
DROP TABLE insights;
DROP TABLE investigations;
