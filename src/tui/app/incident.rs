//! Incident mode in the app: `!` opens the panel on the selected env (or
//! prod), the chosen severity opens the incident through its intent (the
//! same path as `relcon incident open`), and the panel follows the
//! incident in the snapshots and the recommendation in its preview.

use super::{App, Running};
use crate::ops::intent::Intent;
use crate::tui::dialogs::{IncidentPanel, Popup};
use crate::tui::event::{Effect, Job};

impl App {
    /// `!`: the panel; an incident already open shows at once.
    pub(super) fn incident_mode(&mut self, env: &str) -> Vec<Effect> {
        let id = self.next_id();
        let open = self.shared.status_of(env).and_then(|e| e.incident.clone());
        let tree = self.shared.config.incident.clone();
        let panel = IncidentPanel::new(id, env, tree, open.clone(), self.shared.now);
        let fx = match open {
            Some(i) => vec![Effect::Preview {
                id,
                intent: panel.intent(i.severity),
            }],
            None => Vec::new(),
        };
        self.popups.push(Popup::Incident(Box::new(panel)));
        fx
    }

    /// A severity was picked: open the incident and ask for the advice.
    pub(super) fn open_incident(&mut self, intent: Intent) -> Vec<Effect> {
        let Some(id) = self.incident_panel().map(|p| p.id) else {
            return Vec::new();
        };
        let job = Job::act(intent.clone());
        self.running.push(Running {
            id,
            label: self.job_label(&job),
            hook: false,
        });
        vec![Effect::Run { id, job }, Effect::Preview { id, intent }]
    }

    pub(super) fn incident_panel(&mut self) -> Option<&mut IncidentPanel> {
        self.popups.iter_mut().rev().find_map(|p| match p {
            Popup::Incident(i) => Some(i.as_mut()),
            _ => None,
        })
    }

    /// Keep an open panel in step with the snapshot and the clock.
    pub(super) fn sync_incident(&mut self) {
        let now = self.shared.now;
        let Some(env) = self.incident_panel().map(|p| p.env.clone()) else {
            return;
        };
        let open = self.shared.status_of(&env).and_then(|e| e.incident.clone());
        if self.shared.snap.is_some() {
            if let Some(p) = self.incident_panel() {
                p.on_incident(open, now);
            }
        }
    }
}
