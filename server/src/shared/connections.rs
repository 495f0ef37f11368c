//! How many connections the server holds open: at most [`Connections::total`] in all, and
//! [`Connections::per_client`] from one client address (an IPv6 client by its /64; a
//! trusted proxy is not counted as one client). A connection over a limit is closed at
//! once, before a byte is read, so a few hundred slow sockets from one place cannot keep
//! others out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use super::client::TrustedProxies;

/// The connection limits, and the connections open now.
#[derive(Clone)]
pub struct Connections {
    total: usize,
    per_client: usize,
    proxies: TrustedProxies,
    /// Open connections per client key; an entry goes with its last connection, so there
    /// are never more entries than open connections.
    open: Arc<Mutex<(usize, HashMap<IpAddr, usize>)>>,
}

/// One admitted connection: counted until dropped.
pub struct Admitted {
    connections: Connections,
    key: Option<IpAddr>,
}

impl Connections {
    /// The most connections open at once.
    pub const TOTAL: usize = 1024;
    /// The most connections open at once from one client.
    pub const PER_CLIENT: usize = 64;

    pub fn new(total: usize, per_client: usize, proxies: TrustedProxies) -> Self {
        Self { total, per_client, proxies, open: Arc::default() }
    }

    fn with<T>(&self, f: impl FnOnce(&mut (usize, HashMap<IpAddr, usize>)) -> T) -> T {
        let mut open = match self.open.lock() {
            Ok(open) => open,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut open)
    }

    /// Admit a connection from `peer`, or `None` when a limit is reached.
    pub fn admit(&self, peer: IpAddr) -> Option<Admitted> {
        let key = (!self.proxies.contains(peer)).then(|| app::services::limit_key(peer));
        self.with(|(all, per)| {
            if *all >= self.total {
                return None;
            }
            if let Some(key) = key {
                let n = per.entry(key).or_insert(0);
                if *n >= self.per_client {
                    if *n == 0 {
                        per.remove(&key);
                    }
                    return None;
                }
                *n += 1;
            }
            *all += 1;
            Some(Admitted { connections: self.clone(), key })
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.with(|(all, _)| *all)
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let key = self.key;
        self.connections.with(|(all, per)| {
            *all = all.saturating_sub(1);
            if let Some(key) = key {
                if let Some(n) = per.get_mut(&key) {
                    *n -= 1;
                    if *n == 0 {
                        per.remove(&key);
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn connections_are_capped_per_client_and_in_all_and_given_back_when_closed() {
        let c = Connections::new(5, 2, TrustedProxies::default());
        let a1 = c.admit(ip("10.0.0.1"));
        let a2 = c.admit(ip("10.0.0.1"));
        assert!(a1.is_some() && a2.is_some());
        assert!(c.admit(ip("10.0.0.1")).is_none(), "a third from one client");
        let v6 = c.admit(ip("2001:db8::1"));
        let v6b = c.admit(ip("2001:db8::2"));
        assert!(v6.is_some() && v6b.is_some(), "one /64 is one client: two of two");
        assert!(c.admit(ip("2001:db8::3")).is_none());
        let b = c.admit(ip("10.0.0.2"));
        assert!(b.is_some());
        assert_eq!(c.open(), 5);
        assert!(c.admit(ip("10.0.0.3")).is_none(), "five in all");
        drop(a1);
        assert!(c.admit(ip("10.0.0.1")).is_some(), "a closed connection is given back");
        drop((a2, v6, v6b, b));
        assert_eq!(c.open(), 0);
        assert!(c.with(|(_, per)| per.is_empty()), "no entry outlives its connections");
    }

    #[test]
    fn a_trusted_proxy_is_not_one_client() {
        let proxies = TrustedProxies::parse(&["127.0.0.1/32"]).expect("proxies");
        let c = Connections::new(10, 1, proxies);
        let held: Vec<_> = (0..5).filter_map(|_| c.admit(ip("127.0.0.1"))).collect();
        assert_eq!(held.len(), 5);
    }
}
