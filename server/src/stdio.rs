//! The stdio transport, for desktop clients that launch the server: one JSON-RPC message per
//! line on stdin, answers on stdout, logs on stderr.
//!
//! rmcp reads the messages, but only after this module has checked each line with
//! [`jsonrpc::problem`]. Left to rmcp, a line that is not JSON is dropped without an answer and a
//! request with malformed `params` is refused without its id, so the client waits for ever. Here
//! such a line is answered on stdout with its JSON-RPC error (and the request's id when it has
//! one), and the session carries on. Two tasks share stdout through one writer, so an error line
//! never lands in the middle of one of rmcp's messages. A line longer than the request cap is
//! skipped as it is read, never held whole, and answered with an error.

use crate::handler::{CaspioMcp, Context};
use crate::jsonrpc;
use rmcp::ServiceExt;
use serde_json::Value;
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// Lines waiting for stdout; a slow reader of stdout slows the server down instead of filling
/// memory.
const PENDING_LINES: usize = 64;

/// Serves `ctx`'s tools on `input`/`output` until `input` ends and every answer is written.
/// `max_line` caps one message in bytes, as the HTTP body cap does.
pub async fn serve<R, W>(
    ctx: Arc<Context>,
    input: R,
    output: W,
    max_line: usize,
) -> anyhow::Result<()>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (mut to_rmcp, rmcp_input) = tokio::io::duplex(64 * 1024);
    let (rmcp_output, from_rmcp) = tokio::io::duplex(64 * 1024);
    let (lines, pending) = mpsc::channel::<Vec<u8>>(PENDING_LINES);

    let writer = tokio::spawn(write_lines(pending, output));
    let answers = lines.clone();
    let relay = tokio::spawn(async move {
        let mut from_rmcp = BufReader::new(from_rmcp);
        let mut line = Vec::new();
        while from_rmcp.read_until(b'\n', &mut line).await? > 0 {
            if answers.send(std::mem::take(&mut line)).await.is_err() {
                break;
            }
        }
        anyhow::Ok(())
    });
    let checker = tokio::spawn(async move {
        let mut input = BufReader::new(input);
        let mut line = Vec::new();
        loop {
            let found = read_line(&mut input, &mut line, max_line).await?;
            if found == Line::End {
                break;
            }
            match judge(&found, &line, max_line) {
                Verdict::Forward(message) => {
                    to_rmcp.write_all(message).await?;
                    to_rmcp.write_all(b"\n").await?;
                }
                Verdict::Answer(error) => {
                    let mut answer = serde_json::to_vec(&error)?;
                    answer.push(b'\n');
                    if lines.send(answer).await.is_err() {
                        break;
                    }
                }
                Verdict::Skip => {}
            }
        }
        // Dropping `to_rmcp` ends rmcp's input, and with it the session.
        anyhow::Ok(())
    });

    // rmcp's serve returns once the client has initialized, or fails if input ends first; either
    // way every answer already queued (an error for a line before `initialize`) is written.
    let ended: anyhow::Result<()> = match CaspioMcp::new(ctx).serve((rmcp_input, rmcp_output)).await
    {
        Ok(service) => service.waiting().await.map(drop).map_err(Into::into),
        Err(e) => Err(e.into()),
    };
    checker.abort();
    relay.await??;
    writer.await??;
    ended
}

/// What to do with one line of input.
#[derive(Debug, PartialEq)]
enum Verdict<'a> {
    /// Hand this message to rmcp.
    Forward(&'a [u8]),
    /// Answer with this error.
    Answer(Value),
    /// Nothing: a blank line, or a malformed notification (which gets no answer; it is logged).
    Skip,
}

/// Judges one line that [`read_line`] found (`found` is not [`Line::End`]).
fn judge<'a>(found: &Line, line: &'a [u8], cap: usize) -> Verdict<'a> {
    if let Line::TooLong(bytes) = found {
        return Verdict::Answer(jsonrpc::error(
            Value::Null,
            jsonrpc::INVALID_REQUEST,
            format!("Invalid Request: a message of {bytes} bytes is over the {cap}-byte cap (--max-body); it was not read"),
        ));
    }
    let message = line.trim_ascii();
    if message.is_empty() {
        return Verdict::Skip;
    }
    match jsonrpc::problem(message) {
        None => Verdict::Forward(message),
        Some(error) if jsonrpc::is_notification(message) => {
            tracing::warn!(error = %error["error"]["message"], "ignored a malformed notification");
            Verdict::Skip
        }
        Some(error) => Verdict::Answer(error),
    }
}

/// What [`read_line`] found.
#[derive(Debug, PartialEq)]
enum Line {
    /// A line (without its newline) is in the buffer.
    Message,
    /// A line of this many bytes, over the cap; skipped, and the buffer is empty.
    TooLong(usize),
    /// The input has ended.
    End,
}

/// Reads one line into `line`, keeping at most `cap` bytes of it: the rest of a longer line is
/// read and dropped, so one oversized message costs no more memory than the cap.
async fn read_line<R: AsyncBufRead + Unpin>(
    input: &mut R,
    line: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<Line> {
    line.clear();
    let mut total = 0usize;
    loop {
        let buffer = input.fill_buf().await?;
        if buffer.is_empty() {
            return Ok(match total {
                0 => Line::End,
                n if n > cap => Line::TooLong(n),
                _ => Line::Message,
            });
        }
        let (chunk, ended) = match buffer.iter().position(|&b| b == b'\n') {
            Some(i) => (&buffer[..i], true),
            None => (buffer, false),
        };
        total += chunk.len();
        if total <= cap {
            line.extend_from_slice(chunk);
        } else {
            line.clear();
        }
        let used = chunk.len() + usize::from(ended);
        input.consume(used);
        if ended {
            return Ok(if total > cap {
                Line::TooLong(total)
            } else {
                Line::Message
            });
        }
    }
}

/// Writes each line to `output` as it comes, flushing after each so a client sees it at once.
async fn write_lines<W: AsyncWrite + Unpin>(
    mut pending: mpsc::Receiver<Vec<u8>>,
    mut output: W,
) -> anyhow::Result<()> {
    while let Some(line) = pending.recv().await {
        output.write_all(&line).await?;
        output.flush().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], cap: usize) -> Vec<(Line, String)> {
        // A small buffer, so lines arrive in several pieces.
        let mut input = BufReader::with_capacity(3, input);
        let mut line = Vec::new();
        let mut out = Vec::new();
        loop {
            let found = read_line(&mut input, &mut line, cap).await.unwrap();
            if found == Line::End {
                return out;
            }
            out.push((found, String::from_utf8(line.clone()).unwrap()));
        }
    }

    #[tokio::test]
    async fn lines_up_to_the_cap_are_kept_and_longer_ones_skipped() {
        assert_eq!(
            lines(b"12345\n123456\n\nabc", 5).await,
            vec![
                (Line::Message, "12345".into()),
                (Line::TooLong(6), String::new()),
                (Line::Message, String::new()),
                (Line::Message, "abc".into()),
            ]
        );
        assert_eq!(
            lines(b"1234567890", 4).await,
            vec![(Line::TooLong(10), String::new())]
        );
        assert_eq!(lines(b"", 4).await, vec![]);
    }

    #[test]
    fn each_line_is_forwarded_answered_or_skipped() {
        let ok = br#" {"jsonrpc":"2.0","id":1,"method":"ping"} "#;
        assert_eq!(
            judge(&Line::Message, ok, 100),
            Verdict::Forward(ok.trim_ascii())
        );
        assert_eq!(judge(&Line::Message, b"  \r", 100), Verdict::Skip);
        let bad_notification = br#"{"jsonrpc":"2.0","method":"x","params":1}"#;
        assert_eq!(judge(&Line::Message, bad_notification, 100), Verdict::Skip);
        let Verdict::Answer(e) = judge(&Line::Message, b"{", 100) else {
            panic!("a broken line is answered")
        };
        assert_eq!(e["error"]["code"], jsonrpc::PARSE_ERROR);
        let Verdict::Answer(e) = judge(&Line::TooLong(500), b"", 100) else {
            panic!("an oversized line is answered")
        };
        assert_eq!(e["error"]["code"], jsonrpc::INVALID_REQUEST);
        assert!(e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("500 bytes is over the 100-byte cap"));
    }
}
