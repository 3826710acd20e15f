//! Reply routes: which accepted connection a client's replies go to (the one its
//! latest request came on), with a cap on how many clients are remembered, so a
//! flood of fresh client keys cannot grow the table without bound.

use std::collections::{HashMap, HashSet};

use crate::types::ClientId;

/// An accepted connection, numbered by the accept loop.
pub(crate) type ConnId = u64;

/// Client → connection, at most `cap` entries.
pub(crate) struct Routes {
    map: HashMap<ClientId, ConnId>,
    cap: usize,
}

impl Routes {
    /// An empty table holding at most `cap` routes.
    pub(crate) fn new(cap: usize) -> Self {
        Routes { map: HashMap::new(), cap }
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

    /// Send `client`'s replies to `conn`. At the cap, the routes over connections no
    /// longer open (`open()` lists the open ones) are dropped first; if the table is
    /// still full, a client without a route gets none (its replies are not sent until
    /// room frees up) while a routed one still moves. Returns whether `client` is routed.
    pub(crate) fn note(&mut self, client: ClientId, conn: ConnId, open: impl FnOnce() -> HashSet<ConnId>) -> bool {
        if self.map.len() >= self.cap && !self.map.contains_key(&client) {
            let open = open();
            self.map.retain(|_, c| open.contains(c));
        }
        if self.map.len() < self.cap || self.map.contains_key(&client) {
            self.map.insert(client, conn);
            true
        } else {
            false
        }
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

    /// An adversary sending requests under ten times `cap` fresh client keys over one
    /// open connection never makes the table hold more than `cap` routes; a client
    /// routed before the flood keeps its route and can move it; once the adversary's
    /// connection closes, its routes make room for new clients.
    #[test]
    fn a_flood_of_client_keys_never_exceeds_the_cap() {
        let cap = 16;
        let mut routes = Routes::new(cap);
        let (honest, flood_conn, honest_conn) = (client(u32::MAX), 1, 2);
        assert!(routes.note(honest, honest_conn, HashSet::new));
        let open = || HashSet::from([1, 2]);
        let routed = (0..10 * cap as u32).filter(|i| routes.note(client(*i), flood_conn, open)).count();
        assert_eq!(routes.len(), cap, "the table stops at the cap");
        assert_eq!(routed, cap - 1, "only the room there was");
        assert_eq!(routes.get(&honest), Some(honest_conn), "an earlier route survives the flood");
        assert!(routes.note(honest, 3, || HashSet::from([1, 2, 3])), "and still moves to a new connection");
        assert_eq!(routes.get(&honest), Some(3));
        // a newcomer while the flood's connection is open: no room
        assert!(!routes.note(client(1 << 20), 4, || HashSet::from([1, 3, 4])));
        // the flood's connection closed: its routes go, the newcomer gets one
        assert!(routes.note(client(1 << 20), 4, || HashSet::from([3, 4])));
        assert_eq!(routes.len(), 2);
    }
}
