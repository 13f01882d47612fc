//! Listening sockets as a busy server needs them.
//! - A backlog that fits a burst: the default (128, as std and mio set it) overflowed when 200
//!   clients connected at once, and each refused SYN cost its client a one-second retransmit.
//! - No Nagle delay on accepted connections: an event-stream answer goes out in two small
//!   writes, and without `TCP_NODELAY` the second waited for the client's delayed ACK, about
//!   40 ms on every request of a keep-alive client.

use axum::serve::{Listener, ListenerExt};
use std::io;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// The backlog every listener gets at least. The kernel caps it at `net.core.somaxconn`
/// (4096 on current Linux).
pub const MIN_BACKLOG: u32 = 1024;

/// The backlog for a server that allows `max_sessions` sessions: room for all of them to
/// connect at once.
pub fn backlog_for(max_sessions: usize) -> u32 {
    u32::try_from(max_sessions)
        .unwrap_or(u32::MAX)
        .max(MIN_BACKLOG)
}

/// Binds `addr` with this listen backlog (and `SO_REUSEADDR`, as std does, so a restart can bind
/// while old connections linger).
pub fn bind(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// `listener`, setting `TCP_NODELAY` on every connection it accepts.
pub fn no_delay(listener: TcpListener) -> impl Listener<Io = TcpStream, Addr = SocketAddr> {
    listener.tap_io(|tcp| {
        // A connection that cannot take the option still works, only slower.
        let _ = tcp.set_nodelay(true);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_connections_have_no_nagle_delay() {
        let listener = bind("127.0.0.1:0".parse().unwrap(), backlog_for(10)).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut listener = no_delay(listener);
        let _client = TcpStream::connect(addr).await.unwrap();
        let (accepted, _) = listener.accept().await;
        assert!(accepted.nodelay().unwrap());
        // Without the wrapper the option is off, which is what made the 40 ms stall.
        let plain = bind("127.0.0.1:0".parse().unwrap(), MIN_BACKLOG).unwrap();
        let _client = TcpStream::connect(plain.local_addr().unwrap())
            .await
            .unwrap();
        let (accepted, _) = plain.accept().await.unwrap();
        assert!(!accepted.nodelay().unwrap());
    }

    #[test]
    fn the_backlog_fits_the_session_cap() {
        assert_eq!(backlog_for(10), MIN_BACKLOG);
        assert_eq!(backlog_for(5000), 5000);
        assert_eq!(backlog_for(usize::MAX), u32::MAX);
    }
}
