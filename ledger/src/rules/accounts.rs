//! Transfer, register and unregister: balances and the network record table.

use crate::account::{NodeInfo, NodeRecord, Role};
use crate::bytes32::Bytes32;
use crate::reject::Reject;
use crate::state::{PotState, Receipt};

impl PotState {
    pub(crate) fn transfer(
        &mut self,
        from: Bytes32,
        to: Bytes32,
        amount: u64,
    ) -> Result<Receipt, Reject> {
        if amount == 0 {
            return Err(Reject::ZeroAmount {
                what: "transfer amount".into(),
            });
        }
        self.can_pay(&from, amount)?;
        self.debit(&from, amount);
        self.credit(&to, amount);
        Ok(Receipt::Transferred { to, amount })
    }

    pub(crate) fn register(
        &mut self,
        who: Bytes32,
        role: Role,
        stake: u64,
        now: u64,
    ) -> Result<Receipt, Reject> {
        if let Some(n) = &self.account(&who)?.node {
            return Err(Reject::AlreadyRegistered { role: n.role });
        }
        let min = self.params.min_stake(role).max(1);
        if stake < min {
            return Err(Reject::StakeBelowMinimum { min, got: stake });
        }
        self.can_pay(&who, stake)?;
        self.debit(&who, stake);
        if let Some(a) = self.accounts.get_mut(&who) {
            a.node = Some(NodeInfo {
                role,
                stake,
                reputation: 0,
                registered_at: now,
                open: 0,
                record: NodeRecord::default(),
            });
        }
        Ok(Receipt::Registered { role, stake })
    }

    pub(crate) fn unregister(&mut self, who: Bytes32) -> Result<Receipt, Reject> {
        let node = self
            .account(&who)?
            .node
            .as_ref()
            .ok_or(Reject::NotRegistered)?;
        if node.open > 0 {
            return Err(Reject::OpenCommitments { count: node.open });
        }
        let stake = node.stake;
        if let Some(a) = self.accounts.get_mut(&who) {
            a.node = None;
        }
        self.credit(&who, stake);
        Ok(Receipt::Unregistered { returned: stake })
    }
}
