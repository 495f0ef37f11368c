//! Slow and greedy clients: a request's headers must arrive within the header timeout,
//! one address holds at most so many connections, and a normal client is still served
//! while hundreds of slow sockets are open.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::TestApp;

/// A connection to the app from `source` (a loopback address).
async fn connect(app: &TestApp, source: &str) -> TcpStream {
    let addr: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().expect("addr");
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(format!("{source}:0").parse().expect("source")).expect("bind");
    socket.connect(addr).await.expect("connect")
}

/// Whether the server closed `stream` within `within` (bounded: never waits longer).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue, // an answer (e.g. 408) before the close
        }
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let app = TestApp::spawn().await;
    let mut slow = connect(&app, "127.0.0.1").await;
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.expect("write");
    // The header timeout is 10 seconds; nothing more is sent.
    assert!(closed_within(&mut slow, Duration::from_secs(20)).await, "the slow client was not cut off");
}

#[tokio::test]
async fn hundreds_of_slow_sockets_from_one_address_leave_room_for_others() {
    let app = TestApp::spawn().await;
    let mut held = Vec::new();
    for _ in 0..200 {
        let mut s = connect(&app, "127.0.0.1").await;
        let _ = s.write_all(b"GET / HTTP/1.1\r\n").await;
        held.push(s);
    }
    // One address holds at most 64: the others are closed at once (a closed socket reads
    // its end straight away; an open one has nothing to read). Passes over the sockets
    // still open, for at most 5 seconds (well within the 10-second header timeout).
    let mut open: Vec<bool> = vec![true; held.len()];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while open.iter().filter(|o| **o).count() > 64 && tokio::time::Instant::now() < deadline {
        for (s, still) in held.iter_mut().zip(open.iter_mut()).filter(|(_, o)| **o) {
            if closed_within(s, Duration::from_millis(5)).await {
                *still = false;
            }
        }
    }
    assert_eq!(open.iter().filter(|o| !**o).count(), 200 - 64, "closed at once");
    for s in held.iter_mut().zip(&open).filter(|(_, o)| **o).map(|(s, _)| s) {
        assert!(!closed_within(s, Duration::from_millis(5)).await, "the 64 admitted stay open");
    }
    // A learner elsewhere is served as usual.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().expect("ip"))
        .build()
        .expect("client");
    let res = other.get(app.url("/api/v1/exercises")).send().await.expect("get");
    assert_eq!(res.status(), 200);
    drop(held);
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_gets_408_and_nothing_is_done() {
    let app = TestApp::spawn().await;
    let mut slow = connect(&app, "127.0.0.1").await;
    let head = "POST /api/v1/pkce/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                Content-Length: 100\r\n\r\n{\"verifier\": ";
    slow.write_all(head.as_bytes()).await.expect("write");
    // The body timeout is 30 seconds; the rest of the body never comes.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(45), slow.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server neither answered nor closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive within 30 seconds"), "{answer}");
}
