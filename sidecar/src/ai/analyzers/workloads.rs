//! Controllers: Deployments that stopped progressing, controllers whose pods are refused
//! (quota, admission), failed Jobs, CronJobs that do not fire, HPAs, PDBs.

use chrono::Duration;
use k8s_openapi::api::batch::v1::CronJob;

use super::super::actions::Action;
use super::super::finding::{Evidence, Finding, ObjectRef, Severity};
use super::super::snapshot::{Snapshot, chrono_time, name, object_ref};
use super::super::taxonomy::Code;

pub fn analyze(s: &Snapshot, out: &mut Vec<Finding>) {
    for d in &s.deployments {
        let r = object_ref("Deployment", &d.metadata);
        for c in d.status.iter().flat_map(|st| st.conditions.iter().flatten()) {
            let msg = c.message.clone().unwrap_or_default();
            if c.type_.as_deref() == Some("Progressing")
                && c.status.as_deref() == Some("False")
                && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
            {
                out.push(
                    Finding::new(
                        Code::RolloutStuck,
                        r.clone(),
                        format!("the rollout stopped progressing: {msg}"),
                    )
                    .evidence([Evidence::field(
                        &r,
                        "status.conditions[Progressing]",
                        format!("False ProgressDeadlineExceeded: {msg}"),
                    )])
                    .action(Action::RollbackDeployment { target: r.clone() }),
                );
            }
            if c.type_.as_deref() == Some("ReplicaFailure")
                && c.status.as_deref() == Some("True")
                && let Some(f) = create_failure(
                    &r,
                    &msg,
                    Evidence::field(&r, "status.conditions[ReplicaFailure]", msg.clone()),
                )
            {
                out.push(f);
            }
        }
    }
    let controllers = s
        .replicasets
        .iter()
        .map(|x| {
            (
                object_ref("ReplicaSet", &x.metadata),
                x.status.as_ref().and_then(|s| s.conditions.clone()),
            )
        })
        .chain(
            s.statefulsets
                .iter()
                .map(|x| (object_ref("StatefulSet", &x.metadata), None)),
        )
        .chain(
            s.daemonsets
                .iter()
                .map(|x| (object_ref("DaemonSet", &x.metadata), None)),
        )
        .chain(s.jobs.iter().map(|x| (object_ref("Job", &x.metadata), None)));
    for (r, rs_conditions) in controllers {
        let from_condition = rs_conditions
            .iter()
            .flatten()
            .find(|c| c.type_.as_deref() == Some("ReplicaFailure") && c.status.as_deref() == Some("True"))
            .and_then(|c| {
                let msg = c.message.clone().unwrap_or_default();
                create_failure(
                    &r,
                    &msg,
                    Evidence::field(&r, "status.conditions[ReplicaFailure]", msg.clone()),
                )
            });
        let from_event = || {
            s.events_for(&r)
                .into_iter()
                .rev()
                .find(|e| e.reason.as_deref() == Some("FailedCreate"))
                .and_then(|e| {
                    let msg = e.message.clone().unwrap_or_default();
                    create_failure(&r, &msg, Evidence::event(&r, "FailedCreate", msg.clone()))
                })
        };
        if let Some(f) = from_condition.or_else(from_event) {
            out.push(f);
        }
    }
    for j in &s.jobs {
        let r = object_ref("Job", &j.metadata);
        if let Some(c) = j
            .status
            .iter()
            .flat_map(|st| st.conditions.iter().flatten())
            .find(|c| c.type_ == "Failed" && c.status == "True")
        {
            let reason = c.reason.clone().unwrap_or_default();
            let msg = c.message.clone().unwrap_or_default();
            out.push(
                Finding::new(
                    Code::JobFailed,
                    r.clone(),
                    format!("Job {} failed ({reason}): {msg}", r.name),
                )
                .evidence([Evidence::field(
                    &r,
                    "status.conditions[Failed]",
                    format!("True {reason}: {msg}"),
                )])
                .action(Action::Manual {
                    description: "read the logs of the Job's failed pods, fix the cause, then re-create the Job".into(),
                }),
            );
        }
    }
    for cj in &s.cronjobs {
        if let Some(f) = cronjob_finding(s, cj) {
            out.push(f);
        }
    }
    for h in &s.hpas {
        let r = object_ref("HorizontalPodAutoscaler", &h.metadata);
        let Some(status) = &h.status else { continue };
        let max = h.spec.max_replicas;
        for c in status.conditions.iter().flatten() {
            let msg = c.message.clone().unwrap_or_default();
            let reason = c.reason.clone().unwrap_or_default();
            if c.type_ == "ScalingActive" && c.status == "False" {
                out.push(
                    Finding::new(Code::HpaMetricsUnavailable, r.clone(), format!("the autoscaler cannot compute its metric ({reason}): {msg}"))
                        .evidence([Evidence::field(&r, "status.conditions[ScalingActive]", format!("False {reason}: {msg}"))])
                        .action(Action::Manual { description: "set resource requests on the target's containers and check that metrics-server serves metrics".into() }),
                );
            } else if c.type_ == "ScalingLimited"
                && c.status == "True"
                && reason == "TooManyReplicas"
                && status.desired_replicas >= max
            {
                let target = Some(ObjectRef::new(
                    &h.spec.scale_target_ref.kind,
                    r.namespace.as_deref(),
                    &h.spec.scale_target_ref.name,
                ));
                let mut f = Finding::new(
                    Code::HpaAtLimit,
                    r.clone(),
                    format!("the autoscaler wants more replicas than maxReplicas {max}: {msg}"),
                )
                .severity(Severity::Warning)
                .evidence([Evidence::field(
                    &r,
                    "status.conditions[ScalingLimited]",
                    format!("True {reason}: {msg}"),
                )])
                .action(Action::SetHpaMaxReplicas {
                    target: r.clone(),
                    max_replicas: max * 2,
                });
                if let Some(t) = target {
                    f = f.involving(t);
                }
                out.push(f);
            }
        }
    }
    for p in &s.pdbs {
        let r = object_ref("PodDisruptionBudget", &p.metadata);
        let Some(st) = &p.status else { continue };
        let (allowed, expected, current, desired) = (
            st.disruptions_allowed.unwrap_or(0),
            st.expected_pods.unwrap_or(0),
            st.current_healthy.unwrap_or(0),
            st.desired_healthy.unwrap_or(0),
        );
        if allowed == 0 && expected > 0 && current >= desired {
            out.push(
                Finding::new(Code::PdbBlocking, r.clone(), format!("PodDisruptionBudget {} allows no disruption with every pod healthy: evictions and drains are refused", r.name))
                    .severity(Severity::Warning)
                    .confidence(0.8)
                    .evidence([
                        Evidence::field(&r, "status.disruptionsAllowed", "0"),
                        Evidence::field(&r, "status.currentHealthy", current.to_string()),
                        Evidence::field(&r, "status.desiredHealthy", desired.to_string()),
                    ])
                    .action(Action::Manual { description: "lower minAvailable (or raise maxUnavailable) or add replicas so one pod may be evicted".into() }),
            );
        }
    }
}

/// A controller cannot create pods: quota or admission.
fn create_failure(r: &ObjectRef, msg: &str, ev: Evidence) -> Option<Finding> {
    let m = msg.to_ascii_lowercase();
    let code = if m.contains("exceeded quota")
        || m.contains("must specify limits")
        || m.contains("must specify requests")
        || m.contains("failed quota")
    {
        Code::QuotaExceeded
    } else if m.contains("podsecurity")
        || m.contains("admission webhook")
        || m.contains("denied the request")
        || m.contains("failed calling webhook")
        || m.contains("forbidden")
    {
        Code::AdmissionDenied
    } else {
        return None;
    };
    let (summary, action) = if code == Code::QuotaExceeded {
        (
            "a ResourceQuota refuses the controller's pods",
            "raise the ResourceQuota or set requests/limits that fit it",
        )
    } else {
        (
            "an admission check (PodSecurity or a webhook) refuses the controller's pods",
            "make the pod spec meet the namespace's PodSecurity level or the webhook's policy",
        )
    };
    Some(
        Finding::new(code, r.clone(), format!("{summary}: {msg}"))
            .evidence([ev])
            .action(Action::Manual {
                description: action.into(),
            }),
    )
}

fn cronjob_finding(s: &Snapshot, cj: &CronJob) -> Option<Finding> {
    let r = object_ref("CronJob", &cj.metadata);
    let spec = &cj.spec;
    if spec.suspend == Some(true) {
        return Some(
            Finding::new(
                Code::CronjobNotRunning,
                r.clone(),
                format!("CronJob {} is suspended", name(&cj.metadata)),
            )
            .severity(Severity::Warning)
            .evidence([Evidence::field(&r, "spec.suspend", "true")])
            .action(Action::ResumeCronJob { target: r.clone() }),
        );
    }
    if !schedule_valid(&spec.schedule) {
        return Some(
            Finding::new(
                Code::CronjobNotRunning,
                r.clone(),
                format!("schedule \"{}\" is not a valid cron expression", spec.schedule),
            )
            .evidence([Evidence::field(&r, "spec.schedule", spec.schedule.clone())])
            .action(Action::Manual {
                description: "fix the schedule (five fields: minute hour day-of-month month day-of-week)".into(),
            }),
        );
    }
    if let Some(e) = s.events_for(&r).into_iter().rev().find(|e| {
        matches!(
            e.reason.as_deref(),
            Some("InvalidSchedule" | "UnparseableSchedule" | "FailedNeedsStart" | "TooManyMissedTimes")
        ) || e
            .message
            .as_deref()
            .is_some_and(|m| m.contains("too many missed start times"))
    }) {
        return Some(
            Finding::new(
                Code::CronjobNotRunning,
                r.clone(),
                format!(
                    "the CronJob controller does not start it: {}",
                    e.message.as_deref().unwrap_or("")
                ),
            )
            .evidence([Evidence::event(
                &r,
                e.reason.clone().unwrap_or_default(),
                e.message.clone().unwrap_or_default(),
            )]),
        );
    }
    // A last run much older than the schedule's period: it stopped firing.
    let period = schedule_period_minutes(&spec.schedule)?;
    let allowed = Duration::minutes(period * 3 + 2);
    let now = s.now();
    let created = cj.metadata.creation_timestamp.as_ref().map(|t| chrono_time(&t.0))?;
    let last = cj
        .status
        .as_ref()
        .and_then(|st| st.last_schedule_time.as_ref())
        .map(|t| chrono_time(&t.0));
    let reference = last.unwrap_or(created);
    if now - reference > allowed && now - created > allowed {
        let seen = last.map(|t| t.to_rfc3339()).unwrap_or_else(|| "never".into());
        return Some(
            Finding::new(
                Code::CronjobNotRunning,
                r.clone(),
                format!(
                    "CronJob {} last ran {seen}, though \"{}\" should fire every {period} min",
                    r.name, spec.schedule
                ),
            )
            .confidence(0.7)
            .evidence([Evidence::field(&r, "status.lastScheduleTime", seen)]),
        );
    }
    None
}

fn schedule_valid(schedule: &str) -> bool {
    let s = schedule.trim();
    let s = s
        .strip_prefix("CRON_TZ=")
        .or_else(|| s.strip_prefix("TZ="))
        .map(|r| r.split_once(' ').map(|x| x.1).unwrap_or(""))
        .unwrap_or(s);
    if s.starts_with('@') {
        return matches!(
            s,
            "@yearly" | "@annually" | "@monthly" | "@weekly" | "@daily" | "@midnight" | "@hourly"
        ) || s.starts_with("@every ");
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return false;
    }
    let ranges = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
    fields.iter().zip(ranges).all(|(f, (lo, hi))| {
        f.split(',').all(|part| {
            let (range, step) = part.split_once('/').unwrap_or((part, "1"));
            if step.parse::<u32>().map_or(true, |n| n == 0) {
                return false;
            }
            if range == "*" || range == "?" {
                return true;
            }
            let (a, b) = range.split_once('-').unwrap_or((range, range));
            let ok = |x: &str| {
                x.parse::<u32>().is_ok_and(|n| n >= lo && n <= hi)
                    || (x.len() == 3 && x.chars().all(|c| c.is_ascii_alphabetic()))
            };
            ok(a) && ok(b)
        })
    })
}

/// The period of simple schedules (`*/5 * * * *`, `0 * * * *`, `0 3 * * *`), in minutes.
fn schedule_period_minutes(schedule: &str) -> Option<i64> {
    let f: Vec<&str> = schedule.split_whitespace().collect();
    if f.len() != 5 || f[2] != "*" || f[3] != "*" || f[4] != "*" {
        return match schedule.trim() {
            "@hourly" => Some(60),
            "@daily" | "@midnight" => Some(1440),
            _ => None,
        };
    }
    match (f[0], f[1]) {
        ("*", "*") => Some(1),
        (m, "*") if m.starts_with("*/") => m[2..].parse().ok(),
        (m, "*") if m.parse::<u32>().is_ok() => Some(60),
        (m, h) if m.parse::<u32>().is_ok() && h.parse::<u32>().is_ok() => Some(1440),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_schedules() {
        assert!(schedule_valid("*/5 * * * *"));
        assert!(schedule_valid("0 3 * * 1-5"));
        assert!(schedule_valid("@hourly"));
        assert!(!schedule_valid("61 * * * *"));
        assert!(!schedule_valid("every five minutes"));
        assert_eq!(schedule_period_minutes("*/5 * * * *"), Some(5));
        assert_eq!(schedule_period_minutes("0 3 * * *"), Some(1440));
    }
}
