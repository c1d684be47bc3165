DROP TABLE audit_log;
DROP TABLE approvals;
DROP TABLE actions;
DROP TABLE settings;
