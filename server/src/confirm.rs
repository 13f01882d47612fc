//! How the server asks a person before a write that needs their yes (see the runtime's guard):
//!
//! - up to 2025-11-25, [`AskUser`] sends `elicitation/create` to the client and waits for the
//!   answer, within the same tool call;
//! - on 2026-07-28, servers may not send requests to clients. [`AskOnRetry`] turns the question
//!   into an `InputRequiredResult` (MRTR): the call ends having changed nothing, the client asks
//!   its user and calls again with the answer and the `requestState` it was given. The retry
//!   counts again, and the answer stands only for the same tool, the same arguments and the same
//!   count: anything else is asked anew.
//!
//! A client that cannot be asked gets `None`, and the runtime asks the model for the user's
//! `confirm_count` instead.

use caspio::runtime::tools::{Confirm, Question};
use rmcp::model::{
    ElicitRequest, ElicitRequestParams, ElicitationAction, ElicitationSchema, InputRequest,
    InputRequiredResult,
};
use rmcp::service::{ElicitationMode, Peer, RequestContext};
use rmcp::RoleServer;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// The key of the one input request a confirmation makes.
pub const INPUT_KEY: &str = "confirm";

type Answer<'a> = Pin<Box<dyn Future<Output = Option<bool>> + Send + 'a>>;

/// The form a person answers: one yes/no field.
fn form(q: &Question) -> Option<ElicitRequestParams> {
    let schema: ElicitationSchema = serde_json::from_value(json!({
        "type": "object",
        "properties": {"confirm": {"type": "boolean", "title": "Go ahead",
            "description": format!("Change these {} records", q.matching)}},
        "required": ["confirm"]
    }))
    .ok()?;
    let sample: Vec<String> = q.sample.iter().map(|r| r.to_string()).collect();
    let message = format!(
        "{} would change {} of {} records: {}. Nothing has changed yet. Some of them: {}",
        q.tool,
        q.matching,
        q.total,
        q.why,
        sample.join("; ")
    );
    Some(ElicitRequestParams::FormElicitationParams {
        meta: None,
        message,
        requested_schema: schema,
    })
}

/// Whether an elicitation answer is an explicit yes.
fn is_yes(action: &ElicitationAction, content: Option<&Value>) -> bool {
    matches!(action, ElicitationAction::Accept)
        && content
            .and_then(|c| c.get("confirm"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
}

/// Asks through `elicitation/create` (protocol versions before 2026-07-28).
pub struct AskUser {
    /// The client.
    pub peer: Peer<RoleServer>,
}

impl Confirm for AskUser {
    fn confirm<'a>(&'a self, q: &'a Question) -> Answer<'a> {
        Box::pin(async move {
            if !self
                .peer
                .supported_elicitation_modes()
                .contains(&ElicitationMode::Form)
            {
                return None;
            }
            let answer = self.peer.create_elicitation(form(q)?).await.ok()?;
            Some(is_yes(&answer.action, answer.content.as_ref()))
        })
    }
}

/// How one tool call asks its person, chosen from the request's protocol version and the
/// client's capabilities.
pub enum Asker {
    /// Within the call (`elicitation/create`), or not at all when the client cannot be asked.
    Now(AskUser),
    /// By ending the call with an input request (2026-07-28 with form elicitation).
    OnRetry(AskOnRetry),
}

impl Asker {
    /// The way to ask for a call of `tool` with `args` made by `request` in `context`.
    pub fn for_request(
        tool: &str,
        args: &Map<String, Value>,
        request: &rmcp::model::CallToolRequestParams,
        context: &RequestContext<RoleServer>,
    ) -> Self {
        let stateless_era = context
            .protocol_version()
            .is_some_and(|v| v.as_str() >= rmcp::model::ProtocolVersion::V_2026_07_28.as_str());
        if stateless_era && AskOnRetry::can_ask(context) {
            Asker::OnRetry(AskOnRetry::new(
                tool,
                args,
                request.input_responses.as_ref(),
                request.request_state.as_deref(),
            ))
        } else {
            Asker::Now(AskUser {
                peer: context.peer.clone(),
            })
        }
    }

    /// What the runtime asks through.
    pub fn confirm(&self) -> &dyn Confirm {
        match self {
            Asker::Now(now) => now,
            Asker::OnRetry(later) => later,
        }
    }

    /// The input request to end the call with, when a question is waiting for its answer.
    pub fn input_required(&self) -> Option<InputRequiredResult> {
        match self {
            Asker::Now(_) => None,
            Asker::OnRetry(later) => later.input_required(),
        }
    }
}

/// What a confirmation question was about, echoed back by the client as `requestState`: a
/// digest of the tool and its arguments, and the count the person was shown. It is not secret
/// and needs no seal: a client could as well answer yes itself; it only ties the answer to the
/// question.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Asked {
    /// SHA-256 of the tool's name and its arguments, hex.
    pub call: String,
    /// The count in the question.
    pub matching: u64,
}

/// The digest [`Asked::call`] holds for a call.
pub fn call_digest(tool: &str, args: &Map<String, Value>) -> String {
    // Sorted keys, so a client that reorders the arguments on retry still matches.
    let sorted: std::collections::BTreeMap<&String, &Value> = args.iter().collect();
    let text = format!("{tool}\n{}", json!(sorted));
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Asks by ending the call with an input request (2026-07-28): the answer comes with the retry.
pub struct AskOnRetry {
    call: String,
    /// The retry's answer: the question it answered, and whether it was yes.
    answer: Option<(Asked, bool)>,
    /// The question to send, when this call needs one.
    pending: Mutex<Option<Question>>,
}

impl AskOnRetry {
    /// For a call of `tool` with `args` (as the client sent them), with the client's answers to
    /// an earlier input request, if this is a retry.
    pub fn new(
        tool: &str,
        args: &Map<String, Value>,
        responses: Option<&rmcp::model::InputResponses>,
        state: Option<&str>,
    ) -> Self {
        let answer = responses
            .and_then(|r| r.get(INPUT_KEY))
            .zip(state.and_then(|s| serde_json::from_str::<Asked>(s).ok()))
            .map(|(response, asked)| {
                let action: ElicitationAction = serde_json::from_value(response["action"].clone())
                    .unwrap_or(ElicitationAction::Decline);
                (asked, is_yes(&action, response.get("content")))
            });
        AskOnRetry {
            call: call_digest(tool, args),
            answer,
            pending: Mutex::new(None),
        }
    }

    /// Whether the client can answer an input request with a form (its capabilities, as this
    /// request declares them).
    pub fn can_ask(context: &RequestContext<RoleServer>) -> bool {
        context
            .client_capabilities()
            .and_then(|c| c.elicitation)
            .is_some_and(|e| e.form.is_some() || e.url.is_none())
    }

    /// The input request to end the call with, when the call asked a question it had no answer
    /// to (nothing was changed).
    pub fn input_required(&self) -> Option<InputRequiredResult> {
        let q = self.pending.lock().ok()?.take()?;
        let request = InputRequest::Elicitation(ElicitRequest::new(form(&q)?));
        let state = serde_json::to_string(&Asked {
            call: self.call.clone(),
            matching: q.matching,
        })
        .ok()?;
        Some(InputRequiredResult::new(
            Some([(INPUT_KEY.to_string(), request)].into_iter().collect()),
            Some(state),
        ))
    }
}

impl Confirm for AskOnRetry {
    fn confirm<'a>(&'a self, q: &'a Question) -> Answer<'a> {
        Box::pin(async move {
            if let Some((asked, yes)) = &self.answer {
                if asked.call == self.call && asked.matching == q.matching {
                    return Some(*yes);
                }
            }
            // No answer to this question yet: ask it, and go no further in this call.
            if let Ok(mut pending) = self.pending.lock() {
                *pending = Some(q.clone());
            }
            Some(false)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(matching: u64) -> Question {
        Question {
            tool: "delete_a_caspio_record_by_id",
            why: "all".into(),
            matching,
            total: matching,
            sample: vec![json!({"PK_ID": 1})],
        }
    }

    fn args() -> Map<String, Value> {
        json!({"table_name": "Inventory", "where": "PK_ID > 0"})
            .as_object()
            .cloned()
            .unwrap()
    }

    fn retry(state: &Asked, action: &str, confirm: bool) -> AskOnRetry {
        let responses = [(
            INPUT_KEY.to_string(),
            json!({"action": action, "content": {"confirm": confirm}}),
        )]
        .into_iter()
        .collect();
        AskOnRetry::new(
            "delete_a_caspio_record_by_id",
            &args(),
            Some(&responses),
            Some(&serde_json::to_string(state).unwrap()),
        )
    }

    #[tokio::test]
    async fn a_first_call_asks_and_goes_no_further() {
        let ask = AskOnRetry::new("delete_a_caspio_record_by_id", &args(), None, None);
        assert_eq!(ask.confirm(&question(7)).await, Some(false));
        let input = ask.input_required().expect("a question");
        let wire = serde_json::to_value(&input).unwrap();
        assert_eq!(wire["resultType"], "input_required");
        assert_eq!(
            wire["inputRequests"]["confirm"]["method"],
            "elicitation/create"
        );
        let state: Asked = serde_json::from_str(wire["requestState"].as_str().unwrap()).unwrap();
        assert_eq!(state.matching, 7);
    }

    #[tokio::test]
    async fn only_a_yes_to_the_same_call_and_count_goes_on() {
        let asked = Asked {
            call: call_digest("delete_a_caspio_record_by_id", &args()),
            matching: 7,
        };
        assert_eq!(
            retry(&asked, "accept", true).confirm(&question(7)).await,
            Some(true)
        );
        assert_eq!(
            retry(&asked, "accept", false).confirm(&question(7)).await,
            Some(false)
        );
        assert_eq!(
            retry(&asked, "decline", true).confirm(&question(7)).await,
            Some(false)
        );
        // The count changed since: asked again.
        let stale = retry(&asked, "accept", true);
        assert_eq!(stale.confirm(&question(8)).await, Some(false));
        assert!(stale.input_required().is_some());
        // An answer given for another call is no answer to this one.
        let other = Asked {
            call: call_digest(
                "delete_a_caspio_record_by_id",
                &json!({"table_name": "X"}).as_object().cloned().unwrap(),
            ),
            matching: 7,
        };
        let wrong = retry(&other, "accept", true);
        assert_eq!(wrong.confirm(&question(7)).await, Some(false));
        assert!(wrong.input_required().is_some());
    }

    #[test]
    fn the_digest_ignores_argument_order() {
        let a = json!({"a": 1, "b": 2}).as_object().cloned().unwrap();
        let b = json!({"b": 2, "a": 1}).as_object().cloned().unwrap();
        assert_eq!(call_digest("t", &a), call_digest("t", &b));
        assert_ne!(call_digest("t", &a), call_digest("u", &a));
    }
}
