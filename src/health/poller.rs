//! Background polling: one tokio task per endpoint and metric, at its
//! interval, under a global concurrency bound, backing off while an
//! endpoint does not answer. Results go out as messages.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;

use super::board::HealthUpdate;
use super::probe::Prober;
use super::state::State;
use crate::config::Config;

/// Polls in flight at once, across every endpoint.
pub const DEFAULT_CONCURRENCY: usize = 64;

/// The delay before the next poll: the interval, doubled per consecutive
/// failure to answer, capped at max(interval, 60 s).
pub fn next_delay(interval: Duration, failures: u32) -> Duration {
    let cap = interval.max(Duration::from_secs(60));
    let factor = 1u32.checked_shl(failures.min(16)).unwrap_or(u32::MAX);
    interval.saturating_mul(factor).min(cap)
}

/// Aborts every poller when dropped.
pub struct Pollers {
    tasks: Vec<JoinHandle<()>>,
}

impl Pollers {
    pub fn len(&self) -> usize {
        self.tasks.len()
    }
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Start polling every endpoint and metric in `config` (call inside a tokio runtime).
pub fn spawn(config: &Config, tx: mpsc::UnboundedSender<HealthUpdate>, concurrency: usize) -> Pollers {
    let sem = Arc::new(Semaphore::new(concurrency.max(1)));
    let prober = Prober::with_idle_per_host(idle_per_host(config, concurrency.max(1)));
    let mut tasks = Vec::new();
    for env in &config.environments {
        for check in &env.health {
            let (sem, prober, tx, check, env) =
                (sem.clone(), prober.clone(), tx.clone(), check.clone(), env.name.clone());
            tasks.push(tokio::spawn(async move {
                let mut failures = 0u32;
                loop {
                    let sample = {
                        let Ok(_permit) = sem.acquire().await else { return };
                        prober.probe(&check).await
                    };
                    // No answer at all (timeout, refused): back off.
                    failures = if sample.state == State::Unknown && sample.http_status.is_none() {
                        failures + 1
                    } else {
                        0
                    };
                    if tx
                        .send(HealthUpdate::Check {
                            env: env.clone(),
                            check: check.name.clone(),
                            sample,
                        })
                        .is_err()
                    {
                        return;
                    }
                    tokio::time::sleep(next_delay(check.interval, failures)).await;
                }
            }));
        }
        if let Some(prom) = &config.prometheus {
            for metric in &env.metrics {
                let (sem, prober, tx, metric, env, prom) = (
                    sem.clone(),
                    prober.clone(),
                    tx.clone(),
                    metric.clone(),
                    env.name.clone(),
                    prom.clone(),
                );
                let interval = env_metric_interval(config, &env);
                tasks.push(tokio::spawn(async move {
                    loop {
                        let sample = {
                            let Ok(_permit) = sem.acquire().await else { return };
                            prober.query(&prom, &metric).await
                        };
                        if tx
                            .send(HealthUpdate::Metric {
                                env: env.clone(),
                                metric: metric.name.clone(),
                                sample,
                            })
                            .is_err()
                        {
                            return;
                        }
                        tokio::time::sleep(interval).await;
                    }
                }));
            }
        }
    }
    Pollers { tasks }
}

/// Connections worth keeping per host: the most endpoints polled on one
/// host (scheme, host, port), but never more than can be in flight at once
/// (a connection goes back to the pool between polls), and at least two.
fn idle_per_host(config: &Config, concurrency: usize) -> usize {
    let mut per_host: std::collections::HashMap<(String, String, Option<u16>), usize> = Default::default();
    let urls = config
        .environments
        .iter()
        .flat_map(|e| e.health.iter().map(|h| h.url.as_str()));
    // Every metric queries the one Prometheus server.
    let metrics = config.environments.iter().flat_map(|e| e.metrics.iter());
    let prom = config
        .prometheus
        .iter()
        .flat_map(|p| metrics.clone().map(|_| p.url.as_str()));
    for url in urls.chain(prom) {
        if let Ok(u) = reqwest::Url::parse(url) {
            let key = (
                u.scheme().to_string(),
                u.host_str().unwrap_or("").to_string(),
                u.port_or_known_default(),
            );
            *per_host.entry(key).or_default() += 1;
        }
    }
    per_host.into_values().max().unwrap_or(0).min(concurrency).max(2)
}

/// Metrics follow the env's fastest endpoint interval, else 15 s.
fn env_metric_interval(config: &Config, env: &str) -> Duration {
    config
        .env(env)
        .and_then(|e| e.health.iter().map(|h| h.interval).min())
        .unwrap_or(Duration::from_secs(15))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let s = Duration::from_secs(5);
        assert_eq!(next_delay(s, 0), s);
        assert_eq!(next_delay(s, 1), Duration::from_secs(10));
        assert_eq!(next_delay(s, 3), Duration::from_secs(40));
        assert_eq!(next_delay(s, 4), Duration::from_secs(60));
        assert_eq!(next_delay(s, 40), Duration::from_secs(60));
        let slow = Duration::from_secs(120);
        assert_eq!(next_delay(slow, 5), slow);
    }
}
