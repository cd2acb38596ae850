//! Composition roots: clients and services built from typed configuration.

pub mod tenants;
