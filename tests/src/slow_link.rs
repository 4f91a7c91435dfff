//! A slow link in front of the test server: a TCP proxy on loopback where
//! every chunk waits a one-way delay and is paced at a bit rate, and the
//! answers of the first `lose_answers` connections never reach the phone
//! (a connection dying on a bad radio after the request got through). It
//! counts each connection's bytes both ways.
//!
//! CI cannot create network namespaces; `bench/edge/run.sh` plays the same
//! link with real packet loss (tc, nftables, a TUN delay line).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::E2eError;

/// How the link behaves.
#[derive(Clone, Copy, Debug)]
pub struct LinkShape {
    pub one_way: Duration,
    /// Bytes per second in each direction (50 kbit/s is 6,250).
    pub bytes_per_s: u64,
    /// The first this many connections lose the server's answer.
    pub lose_answers: usize,
}

/// What crossed one connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnBytes {
    /// Phone → server, forwarded.
    pub up: u64,
    /// Server → phone, forwarded.
    pub down: u64,
    /// The server answered but the link lost it.
    pub lost_answer: bool,
}

type Tally = Arc<Mutex<Vec<ConnBytes>>>;

pub struct SlowLink {
    addr: SocketAddr,
    tally: Tally,
    task: JoinHandle<()>,
}

impl SlowLink {
    /// Listens on 127.0.0.1 and forwards every connection to `upstream`.
    pub async fn start(upstream: SocketAddr, shape: LinkShape) -> Result<SlowLink, E2eError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(E2eError::Bind)?;
        let addr = listener.local_addr().map_err(E2eError::Bind)?;
        let tally = Tally::default();
        let task = tokio::spawn(accept(listener, upstream, shape, tally.clone()));
        Ok(SlowLink { addr, tally, task })
    }

    /// The URL a phone uses to reach the server over this link.
    pub fn url(&self) -> url::Url {
        url::Url::parse(&format!("http://{}/", self.addr)).expect("a socket address is a URL")
    }

    /// Every connection so far, in the order they were opened.
    pub fn connections(&self) -> Vec<ConnBytes> {
        lock(&self.tally).clone()
    }
}

impl Drop for SlowLink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(tally: &Tally) -> std::sync::MutexGuard<'_, Vec<ConnBytes>> {
    tally.lock().unwrap_or_else(|e| e.into_inner())
}

async fn accept(listener: TcpListener, upstream: SocketAddr, shape: LinkShape, tally: Tally) {
    while let Ok((phone, _)) = listener.accept().await {
        let index = {
            let mut t = lock(&tally);
            t.push(ConnBytes::default());
            t.len() - 1
        };
        let tally = tally.clone();
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let lose = index < shape.lose_answers;
            let (phone_rx, phone_tx) = phone.into_split();
            let (server_rx, server_tx) = server.into_split();
            let count = |up: bool, n: usize| {
                let mut t = lock(&tally);
                let c = &mut t[index];
                match (up, lose) {
                    (true, _) => c.up += n as u64,
                    (false, false) => c.down += n as u64,
                    (false, true) => c.lost_answer = true,
                }
            };
            // Whichever direction ends first ends the connection, both ways.
            tokio::select! {
                () = pump(phone_rx, server_tx, shape, false, |n| count(true, n)) => {}
                () = pump(server_rx, phone_tx, shape, lose, |n| count(false, n)) => {}
            }
        });
    }
}

/// Forwards `from` to `to`, each chunk `one_way` after it was read and
/// paced at `bytes_per_s`. With `lose`, the first chunk ends the connection.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    shape: LinkShape,
    lose: bool,
    count: impl Fn(usize),
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let read = async move {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n @ 1..) = from.read(&mut buf).await {
            if tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                break;
            }
        }
        drop(tx); // the writer finishes what is in flight, then ends
    };
    let write = async move {
        while let Some((read_at, chunk)) = rx.recv().await {
            if lose {
                count(chunk.len());
                return;
            }
            tokio::time::sleep_until(read_at + shape.one_way).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
            count(chunk.len());
            let pace = chunk.len() as f64 / shape.bytes_per_s.max(1) as f64;
            tokio::time::sleep(Duration::from_secs_f64(pace)).await;
        }
    };
    // The pump ends with its writer: after the reader's end, or at once
    // when the answer is lost (the reader may wait forever on a kept-alive
    // connection).
    tokio::pin!(read, write);
    let mut reading = true;
    loop {
        tokio::select! {
            () = &mut read, if reading => reading = false,
            () = &mut write => return,
        }
    }
}
