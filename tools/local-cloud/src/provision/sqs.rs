//! Queues: created when missing, then given the template's attributes (the redrive policy last,
//! once every dead-letter queue exists). The URL and ARN the emulator reports must be the ones
//! the stack resolved `!Ref`/`!GetAtt` to, or the functions would send where no one listens.

use super::{Overrides, retry};
use crate::error::{Error, Result};
use crate::stack::Stack;
use crate::stack::resources::Queue;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::QueueAttributeName;
use std::collections::{BTreeMap, HashMap};

/// Attributes SQS only takes at creation.
const CREATE_ONLY: &[&str] = &["FifoQueue"];

pub async fn queues(sqs: &Client, stack: &Stack, overrides: &Overrides) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    for queue in &stack.queues {
        let state = ensure(sqs, queue).await?;
        lines.push(format!("  sqs   {:<28} {state}  {}", queue.name, queue.url));
    }
    for queue in &stack.queues {
        let mut attributes = queue.attributes.clone();
        attributes.retain(|k, _| !CREATE_ONLY.contains(&k.as_str()));
        if let Some(seconds) = overrides.queue_visibility_timeout {
            attributes.insert("VisibilityTimeout".into(), seconds.to_string());
        }
        set_attributes(sqs, queue, &attributes).await?;
    }
    Ok(lines)
}

async fn ensure(sqs: &Client, queue: &Queue) -> Result<&'static str> {
    let what = format!("SQS queue {}", queue.name);
    let found = retry(&what, || sqs.get_queue_url().queue_name(&queue.name).send()).await;
    let (url, state) = match found {
        Ok(out) => (out.queue_url.unwrap_or_default(), "exists "),
        Err(_) => {
            // Created without the redrive policy: its dead-letter queue may not exist yet.
            let mut create = sqs.create_queue().queue_name(&queue.name);
            for (k, v) in queue.attributes.iter().filter(|(k, _)| k.as_str() != "RedrivePolicy") {
                create = create.attributes(QueueAttributeName::from(k.as_str()), v);
            }
            let out = retry(&what, || create.clone().send()).await?;
            (out.queue_url.unwrap_or_default(), "created")
        }
    };
    if url != queue.url {
        return Err(Error::aws(
            what,
            format!(
                "the emulator's URL is {url}, the stack's is {}: LOCAL_AWS or [emulators] in localstack/parameters.toml do not match the running emulator",
                queue.url
            ),
        ));
    }
    Ok(state)
}

async fn set_attributes(sqs: &Client, queue: &Queue, attributes: &BTreeMap<String, String>) -> Result<()> {
    let what = format!("SQS queue {}", queue.name);
    let wanted: HashMap<QueueAttributeName, String> =
        attributes.iter().map(|(k, v)| (QueueAttributeName::from(k.as_str()), v.clone())).collect();
    retry(&what, || sqs.set_queue_attributes().queue_url(&queue.url).set_attributes(Some(wanted.clone())).send())
        .await?;
    let out = retry(&what, || {
        sqs.get_queue_attributes().queue_url(&queue.url).attribute_names(QueueAttributeName::All).send()
    })
    .await?;
    let actual = out.attributes.unwrap_or_default();
    let arn = actual.get(&QueueAttributeName::QueueArn).map(String::as_str).unwrap_or_default();
    if arn != queue.arn {
        return Err(Error::aws(what, format!("the emulator's ARN is {arn}, the stack's is {}", queue.arn)));
    }
    for (name, value) in &wanted {
        let got = actual.get(name).map(String::as_str).unwrap_or_default();
        if !same_attribute(got, value) {
            return Err(Error::aws(
                &what,
                format!("{} did not stick: wanted {value}, the emulator has {got}", name.as_str()),
            ));
        }
    }
    Ok(())
}

/// Policies come back re-serialised (key order, numbers as strings): compare their content.
fn same_attribute(got: &str, wanted: &str) -> bool {
    if got == wanted {
        return true;
    }
    let (Ok(got), Ok(wanted)) =
        (serde_json::from_str::<serde_json::Value>(got), serde_json::from_str::<serde_json::Value>(wanted))
    else {
        return false;
    };
    let normalise = |v: &serde_json::Map<String, serde_json::Value>| -> BTreeMap<String, String> {
        v.iter().map(|(k, v)| (k.clone(), crate::intrinsics::scalar_text(v).unwrap_or_else(|| v.to_string()))).collect()
    };
    match (got.as_object(), wanted.as_object()) {
        (Some(got), Some(wanted)) => normalise(got) == normalise(wanted),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::same_attribute;

    #[test]
    fn policies_compare_by_content() {
        assert!(same_attribute("60", "60"));
        assert!(same_attribute(
            r#"{"maxReceiveCount":"3","deadLetterTargetArn":"arn:x"}"#,
            r#"{"deadLetterTargetArn":"arn:x","maxReceiveCount":3}"#
        ));
        assert!(!same_attribute(r#"{"maxReceiveCount":"5"}"#, r#"{"maxReceiveCount":3}"#));
        assert!(!same_attribute("30", "60"));
    }
}
