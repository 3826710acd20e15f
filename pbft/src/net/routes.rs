//! Reply routes: which accepted connection a client's replies go to (the one its
//! latest request came on), with two caps so a flood of fresh client keys cannot
//! grow the table without bound or crowd out other connections' clients: at most
//! `cap` routes in all, and at most `per_conn` over any one connection (beyond it,
//! that connection's oldest route gives way, so a flooding connection only evicts
//! its own routes).

use std::collections::{HashMap, HashSet, VecDeque};

use crate::types::ClientId;

/// An accepted connection, numbered by the accept loop.
pub(crate) type ConnId = u64;

/// Client → connection, at most `cap` entries and at most `per_conn` per connection.
pub(crate) struct Routes {
    map: HashMap<ClientId, ConnId>,
    /// Each connection's routed clients, oldest first (exactly the map, inverted).
    by_conn: HashMap<ConnId, VecDeque<ClientId>>,
    cap: usize,
    per_conn: usize,
}

impl Routes {
    /// An empty table holding at most `cap` routes, `per_conn` of them over one connection.
    pub(crate) fn new(cap: usize, per_conn: usize) -> Self {
        Routes { map: HashMap::new(), by_conn: HashMap::new(), cap, per_conn: per_conn.max(1) }
    }

    /// Where `client`'s replies go.
    pub(crate) fn get(&self, client: &ClientId) -> Option<ConnId> {
        self.map.get(client).copied()
    }

    /// Routes held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    fn unlink(&mut self, client: &ClientId, conn: ConnId) {
        if let Some(q) = self.by_conn.get_mut(&conn) {
            q.retain(|c| c != client);
            if q.is_empty() {
                self.by_conn.remove(&conn);
            }
        }
    }

    /// Send `client`'s replies to `conn`. A connection already holding `per_conn`
    /// routes drops its oldest one first. At the overall cap, the routes over
    /// connections no longer open (`open()` lists the open ones) are dropped; if the
    /// table is still full, a client without a route gets none (its replies are not
    /// sent until room frees up) while a routed one still moves. Returns whether
    /// `client` is routed.
    pub(crate) fn note(&mut self, client: ClientId, conn: ConnId, open: impl FnOnce() -> HashSet<ConnId>) -> bool {
        match self.map.get(&client) {
            Some(&c) if c == conn => return true,
            Some(&c) => {
                self.map.remove(&client);
                self.unlink(&client, c);
            }
            None => {}
        }
        if self.by_conn.get(&conn).is_some_and(|q| q.len() >= self.per_conn) {
            if let Some(oldest) = self.by_conn.get_mut(&conn).and_then(|q| q.pop_front()) {
                self.map.remove(&oldest);
            }
        }
        if self.map.len() >= self.cap {
            let open = open();
            self.map.retain(|_, c| open.contains(c));
            self.by_conn.retain(|c, _| open.contains(c));
        }
        if self.map.len() >= self.cap {
            return false;
        }
        self.map.insert(client, conn);
        self.by_conn.entry(conn).or_default().push_back(client);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(i: u32) -> ClientId {
        let mut b = [0u8; 32];
        b[..4].copy_from_slice(&i.to_le_bytes());
        ClientId(b)
    }

    /// The two maps stay each other's inverse.
    fn consistent(r: &Routes) {
        let inverted: usize = r.by_conn.values().map(|q| q.len()).sum();
        assert_eq!(inverted, r.map.len());
        for (conn, q) in &r.by_conn {
            assert!(q.len() <= r.per_conn);
            assert!(q.iter().all(|c| r.map.get(c) == Some(conn)));
        }
    }

    /// An adversary sending requests under ten times `cap` fresh client keys over one
    /// open connection holds at most `per_conn` routes: a client routed before the
    /// flood keeps its route and can move it, and a newcomer on another connection is
    /// routed while the flood's connection stays open.
    #[test]
    fn a_flood_of_client_keys_never_exceeds_the_cap() {
        let (cap, per_conn) = (16, 4);
        let mut routes = Routes::new(cap, per_conn);
        let (honest, flood_conn, honest_conn) = (client(u32::MAX), 1, 2);
        assert!(routes.note(honest, honest_conn, HashSet::new));
        let open = || HashSet::from([1, 2]);
        for i in 0..10 * cap as u32 {
            assert!(routes.note(client(i), flood_conn, open), "the flood evicts its own routes");
            consistent(&routes);
        }
        assert_eq!(routes.len(), 1 + per_conn, "the flooding connection holds per_conn routes");
        assert_eq!(routes.get(&client(10 * cap as u32 - 1)), Some(flood_conn));
        assert_eq!(routes.get(&client(0)), None, "its oldest went first");
        assert_eq!(routes.get(&honest), Some(honest_conn), "an earlier route survives the flood");
        assert!(routes.note(honest, 3, || HashSet::from([1, 2, 3])), "and still moves to a new connection");
        assert_eq!(routes.get(&honest), Some(3));
        assert!(routes.note(client(1 << 20), 4, || HashSet::from([1, 3, 4])), "a newcomer finds room");
        consistent(&routes);
    }

    /// Many flooding connections together never make the table exceed `cap`; once they
    /// close, their routes make room for new clients.
    #[test]
    fn many_connections_never_exceed_the_overall_cap() {
        let (cap, per_conn) = (16, 4);
        let mut routes = Routes::new(cap, per_conn);
        let conns: HashSet<ConnId> = (1..=10).collect();
        let mut routed = 0;
        for i in 0..400u32 {
            let conn = 1 + (i as u64 % 10);
            routed += routes.note(client(i), conn, || conns.clone()) as usize;
            assert!(routes.len() <= cap);
            consistent(&routes);
        }
        assert_eq!(routes.len(), cap);
        assert!(routed >= cap);
        // a newcomer while every flooding connection is open and the table full: no room
        assert!(!routes.note(client(1 << 20), 11, || (1..=11).collect()));
        // the flooding connections closed: their routes go, the newcomer gets one
        assert!(routes.note(client(1 << 20), 11, || HashSet::from([11])));
        assert_eq!(routes.len(), 1);
        consistent(&routes);
    }
}
