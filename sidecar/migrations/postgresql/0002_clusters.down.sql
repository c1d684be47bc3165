DROP TABLE exec_approvals;
DROP TABLE contexts;
DROP TABLE kubeconfigs;
