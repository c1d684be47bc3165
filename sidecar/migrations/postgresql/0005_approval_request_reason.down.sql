ALTER TABLE approvals DROP COLUMN requested_because;
