//! CPU time of a process, summed over its threads, from Linux's
//! `/proc/<pid>/task/*/schedstat` (first field: nanoseconds on a CPU).

use std::time::Duration;

/// CPU time used so far by every live thread of `pid` ("self" for this process).
pub fn cpu_time(pid: &str) -> Duration {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Duration::ZERO;
    };
    let ns: u64 = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(ns)
}
