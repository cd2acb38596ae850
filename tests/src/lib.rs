//! Helpers shared by the integration tests: where the local cloud is, and how to reach it.
