-- Why the safety gate asked for a person's approval, kept with the request so the approvals
-- list can say it ("namespace 'kube-system' is protected ..."); `reason` is the decision's.
ALTER TABLE approvals ADD COLUMN requested_because TEXT;
