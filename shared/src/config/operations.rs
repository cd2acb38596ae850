//! The scheduled and after-deploy jobs: the outbox relay.

use super::{ConfigError, Env};

/// `OUTBOX_BATCH_SIZE`: how many outbox entries the relay claims at a time (100).
pub fn outbox_batch_size(env: &Env) -> Result<i64, ConfigError> {
    env.parse_or("OUTBOX_BATCH_SIZE", 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_size_defaults_to_100_and_names_its_variable_when_wrong() {
        assert_eq!(outbox_batch_size(&Env::from_pairs::<&str, &str>([])).unwrap(), 100);
        assert_eq!(outbox_batch_size(&Env::from_pairs([("OUTBOX_BATCH_SIZE", "25")])).unwrap(), 25);
        let err = outbox_batch_size(&Env::from_pairs([("OUTBOX_BATCH_SIZE", "many")])).unwrap_err();
        assert!(err.to_string().contains("OUTBOX_BATCH_SIZE"), "{err}");
    }
}
