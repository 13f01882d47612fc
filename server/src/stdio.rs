//! The stdio transport, for desktop clients that launch the server: one JSON-RPC message per
//! line on stdin, answers on stdout, logs on stderr.
//!
//! rmcp reads the messages, but only after this module has checked each line with
//! [`jsonrpc::problem`]. Left to rmcp, a line that is not JSON is dropped without an answer and a
//! request with malformed `params` is refused without its id, so the client waits for ever. Here
//! such a line is answered on stdout with its JSON-RPC error (and the request's id when it has
//! one), and the session carries on. Two tasks share stdout through one writer, so an error line
//! never lands in the middle of one of rmcp's messages.

use crate::handler::{CaspioMcp, Context};
use crate::jsonrpc;
use rmcp::ServiceExt;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// Lines waiting for stdout; a slow reader of stdout slows the server down instead of filling
/// memory.
const PENDING_LINES: usize = 64;

/// Serves `ctx`'s tools on `input`/`output` until `input` ends and every answer is written.
pub async fn serve<R, W>(ctx: Arc<Context>, input: R, output: W) -> anyhow::Result<()>
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
            line.clear();
            if input.read_until(b'\n', &mut line).await? == 0 {
                break;
            }
            let message = line.trim_ascii();
            if message.is_empty() {
                continue;
            }
            match jsonrpc::problem(message) {
                None => {
                    to_rmcp.write_all(message).await?;
                    to_rmcp.write_all(b"\n").await?;
                }
                Some(error) if jsonrpc::is_notification(message) => {
                    tracing::warn!(error = %error["error"]["message"], "ignored a malformed notification");
                }
                Some(error) => {
                    let mut answer = serde_json::to_vec(&error)?;
                    answer.push(b'\n');
                    if lines.send(answer).await.is_err() {
                        break;
                    }
                }
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
