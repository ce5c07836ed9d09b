//! Socket tuning shared by every HTTP endpoint of the master.

use tokio::net::TcpListener;

/// How long data sent on a connection may stay unacknowledged before the
/// kernel drops it. A browser that vanished without closing (a laptop lid,
/// lost Wi-Fi) is noticed within this time, and an advisor on it signed out,
/// instead of after about 15 minutes of retransmission.
const UNACKNOWLEDGED_LIMIT: std::time::Duration = std::time::Duration::from_secs(45);

/// The listener with every accepted socket tuned: `TCP_NODELAY`, so small
/// answers do not wait for the peer's delayed ACK (about 40 ms each
/// otherwise; see BENCHMARKS.md), and on Linux `TCP_USER_TIMEOUT`
/// ([`UNACKNOWLEDGED_LIMIT`]), so event streams to vanished peers end.
/// The listener's type is named (not `impl Listener`), so axum's
/// `ConnectInfo<SocketAddr>` works on it.
pub(crate) fn tuned(listener: TcpListener) -> axum::serve::TapIo<TcpListener, fn(&mut tokio::net::TcpStream)> {
    use axum::serve::ListenerExt;
    listener.tap_io(tune_mut as fn(&mut tokio::net::TcpStream))
}

fn tune_mut(tcp: &mut tokio::net::TcpStream) {
    tune(tcp);
}

pub(super) fn tune(tcp: &tokio::net::TcpStream) {
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::warn!(%error, "could not set TCP_NODELAY");
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(error) = socket2::SockRef::from(tcp).set_tcp_user_timeout(Some(UNACKNOWLEDGED_LIMIT)) {
        tracing::warn!(%error, "could not set TCP_USER_TIMEOUT");
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn accepted_sockets_send_at_once_and_give_up_on_vanished_peers() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bound");
        let address = listener.local_addr().expect("address");
        let _client = tokio::net::TcpStream::connect(address).await.expect("connected");
        let (accepted, _) = listener.accept().await.expect("accepted");
        super::tune(&accepted);
        assert!(accepted.nodelay().expect("readable"));
        #[cfg(any(target_os = "linux", target_os = "android"))]
        assert_eq!(
            socket2::SockRef::from(&accepted).tcp_user_timeout().expect("readable"),
            Some(super::UNACKNOWLEDGED_LIMIT)
        );
    }
}
