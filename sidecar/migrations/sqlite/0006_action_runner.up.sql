-- Which sidecar process marked an action running, so that at start a sidecar marks as
-- interrupted only the actions of one that stopped, not those another replica is making.
ALTER TABLE actions ADD COLUMN runner TEXT;
