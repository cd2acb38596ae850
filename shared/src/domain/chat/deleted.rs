//! What a deletion in the chat API answers.

use serde::Serialize;
use uuid::Uuid;

/// What a `DELETE` answers: the id of the resource that is gone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatDeleted))]
pub struct Deleted {
    pub id: Uuid,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deletion_answers_the_id() {
        let id = Uuid::now_v7();
        assert_eq!(serde_json::to_string(&Deleted { id }).unwrap(), format!(r#"{{"id":"{id}"}}"#));
    }
}
