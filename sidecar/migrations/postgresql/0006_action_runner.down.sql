ALTER TABLE actions DROP COLUMN runner;
