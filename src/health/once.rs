//! One poll of everything, for commands (`health`, `status`) and for the
//! `require_healthy` gate. Runs on a thread of its own with its own runtime,
//! so it is safe to call from anywhere.

use super::board::{Board, HealthUpdate};
use super::probe::Prober;
use crate::config::Config;

/// Poll every endpoint and metric of the named envs (all when None), at
/// once, each within its own timeout.
pub fn poll_blocking(config: &Config, envs: Option<&[String]>) -> Board {
    let config = config.clone();
    let envs: Option<Vec<String>> = envs.map(|e| e.to_vec());
    let handle = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return Board::default();
        };
        rt.block_on(async move {
            let prober = Prober::new();
            let mut set = tokio::task::JoinSet::new();
            for env in config
                .environments
                .iter()
                .filter(|e| envs.as_ref().is_none_or(|l| l.contains(&e.name)))
            {
                for check in &env.health {
                    let (p, c, e) = (prober.clone(), check.clone(), env.name.clone());
                    set.spawn(async move {
                        HealthUpdate::Check {
                            env: e,
                            check: c.name.clone(),
                            sample: p.probe(&c).await,
                        }
                    });
                }
                if let Some(prom) = &config.prometheus {
                    for m in &env.metrics {
                        let (p, m, e, prom) = (prober.clone(), m.clone(), env.name.clone(), prom.clone());
                        set.spawn(async move {
                            HealthUpdate::Metric {
                                env: e,
                                metric: m.name.clone(),
                                sample: p.query(&prom, &m).await,
                            }
                        });
                    }
                }
            }
            let mut board = Board::default();
            while let Some(r) = set.join_next().await {
                if let Ok(u) = r {
                    board.apply(u);
                }
            }
            board
        })
    });
    handle.join().unwrap_or_default()
}
