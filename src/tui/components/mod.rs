//! The views' pieces. Each draws from `&App` and `&Theme` and never
//! mutates: scrolling state lives in the app, sizes come from `layout`.

pub mod audit;
pub mod cards;
pub mod checklists;
pub mod detail;
pub mod flag_history;
pub mod flags;
pub mod footer;
pub mod health;
pub mod health_view;
pub mod history;
