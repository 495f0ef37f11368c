//! The server's integration tests: one binary, a real listener on loopback and a fresh
//! SQLite file per test.

mod helpers;

mod assets;
mod cli;
mod clients;
mod course;
mod durability;
mod exercise;
mod grading;
mod guard;
mod hostile;
mod instances;
mod instructors;
mod issuance;
mod metrics;
mod migrate;
mod oidc;
mod openapi;
mod openapi_contract;
mod ops;
mod own_server;
mod pages;
mod postgres_harness;
mod practice;
mod practice_server;
mod proxy;
mod sessions;
mod slow_clients;
mod storage;
mod yardstick;
