//! One file per page; page components end in `Page`.

pub mod client_credentials;
pub mod exercise;
pub mod getting_started;
pub mod home;
pub mod instructor;
pub mod join;
pub mod not_found;
pub mod oidc;
pub mod practice_app;
pub mod provider;
pub mod redirect;
pub mod refresh;
pub mod spa;
pub mod web_app;
