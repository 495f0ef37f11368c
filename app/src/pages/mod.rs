//! One file per page; page components end in `Page`.

pub mod home;
pub mod instructor;
pub mod join;
pub mod not_found;
pub mod practice_app;
pub mod provider;
pub mod redirect;
pub mod refresh;
