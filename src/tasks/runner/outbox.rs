//! What the runner says waits for what it reports to be durable. Board events go to the
//! writer in numbered batches; everything the runner says after emitting a batch is held
//! behind that batch and released, in the order it was said, once the writer reports the
//! batch settled — durable, or failed. Pure: no I/O, no clock, no channels.

use std::collections::VecDeque;

use super::writer::WriteError;

/// A batch of board events handed to the writer: numbered from 1 in the order they are
/// written, so "batch N is durable" means every batch up to N is (0: none yet).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Batch(pub u64);

/// A held item once its batch settled.
#[derive(Debug, PartialEq, Eq)]
pub enum Released<T> {
    /// Everything it reports is durable: carry it out.
    Durable(T),
    /// The change it reports was not recorded.
    Failed(T, WriteError),
}

#[derive(Debug)]
pub struct Outbox<T> {
    /// The last batch handed to the writer.
    sent: Batch,
    /// Every batch up to this one has been reported by the writer.
    settled: Batch,
    /// Why the last settled batch was lost, if it was: what is said after it reports a
    /// board the store does not hold either.
    lost: Option<WriteError>,
    /// Items said while batches were in flight, each with the last batch before it; the
    /// batches only grow along the queue, so releasing from the front keeps the order.
    held: VecDeque<(Batch, T)>,
    out: Vec<Released<T>>,
}

impl<T> Default for Outbox<T> {
    fn default() -> Self {
        Self {
            sent: Batch::default(),
            settled: Batch::default(),
            lost: None,
            held: VecDeque::new(),
            out: Vec::new(),
        }
    }
}

impl<T> Outbox<T> {
    /// Numbers the next batch of board events (hand it to the writer with this number).
    pub fn next_batch(&mut self) -> Batch {
        self.sent = Batch(self.sent.0 + 1);
        self.sent
    }

    /// `item` reports the board as it is now: it goes once every batch emitted so far is
    /// durable (at once when none is in flight), after everything said before it.
    pub fn push(&mut self, item: T) {
        if self.settled >= self.sent {
            self.out.push(match &self.lost {
                None => Released::Durable(item),
                Some(error) => Released::Failed(item, error.clone()),
            });
        } else {
            self.held.push_back((self.sent, item));
        }
    }

    /// `item` reports nothing of the board: it goes at once, ahead of anything held.
    pub fn pass(&mut self, item: T) {
        self.out.push(Released::Durable(item));
    }

    /// The writer reported `batch` (it reports in order): what waited for it goes out.
    pub fn settle(&mut self, batch: Batch, result: Result<(), WriteError>) {
        if batch >= self.settled {
            self.lost = result.as_ref().err().cloned();
        }
        self.settled = self.settled.max(batch);
        while self.held.front().is_some_and(|(after, _)| *after <= batch) {
            let Some((_, item)) = self.held.pop_front() else {
                break;
            };
            self.out.push(match &result {
                Ok(()) => Released::Durable(item),
                Err(error) => Released::Failed(item, error.clone()),
            });
        }
    }

    /// Whether a batch is still on its way to the store.
    pub fn in_flight(&self) -> bool {
        self.settled < self.sent
    }

    /// What may go out now, in order.
    pub fn take(&mut self) -> Vec<Released<T>> {
        std::mem::take(&mut self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn durable(items: &[&'static str]) -> Vec<Released<&'static str>> {
        items.iter().map(|i| Released::Durable(*i)).collect()
    }

    #[test]
    fn with_nothing_in_flight_an_item_goes_at_once() {
        let mut outbox = Outbox::default();
        outbox.push("list");
        assert_eq!(outbox.take(), durable(&["list"]));
        assert!(!outbox.in_flight());
    }

    #[test]
    fn an_item_waits_for_the_batch_before_it_and_keeps_its_order() {
        let mut outbox = Outbox::default();
        let first = outbox.next_batch();
        outbox.push("admitted");
        outbox.push("changed");
        let second = outbox.next_batch();
        outbox.push("running");
        assert_eq!(outbox.take(), Vec::new());
        assert!(outbox.in_flight());

        outbox.settle(first, Ok(()));
        assert_eq!(outbox.take(), durable(&["admitted", "changed"]));
        // Said after the second batch was emitted: it waits for that one too, even though
        // nothing new was emitted since.
        outbox.push("show");
        assert_eq!(outbox.take(), Vec::new());

        outbox.settle(second, Ok(()));
        assert_eq!(outbox.take(), durable(&["running", "show"]));
        assert!(!outbox.in_flight());
        outbox.push("after");
        assert_eq!(outbox.take(), durable(&["after"]));
    }

    #[test]
    fn a_passed_item_does_not_wait() {
        let mut outbox = Outbox::default();
        let batch = outbox.next_batch();
        outbox.push("admitted");
        outbox.pass("session event");
        assert_eq!(outbox.take(), durable(&["session event"]));
        outbox.settle(batch, Ok(()));
        assert_eq!(outbox.take(), durable(&["admitted"]));
    }

    #[test]
    fn what_a_failed_batch_held_comes_out_failed_and_later_batches_still_settle() {
        let mut outbox = Outbox::default();
        let first = outbox.next_batch();
        outbox.push("before");
        let second = outbox.next_batch();
        outbox.push("admitted");
        outbox.settle(first, Ok(()));
        outbox.settle(second, Err(WriteError::WriterGone));
        assert_eq!(
            outbox.take(),
            vec![
                Released::Durable("before"),
                Released::Failed("admitted", WriteError::WriterGone)
            ]
        );
        assert!(!outbox.in_flight());
    }

    #[test]
    fn what_is_said_after_a_lost_batch_comes_out_failed() {
        let mut outbox = Outbox::default();
        let batch = outbox.next_batch();
        outbox.settle(batch, Err(WriteError::WriterGone));
        outbox.push("show");
        outbox.pass("session event");
        assert_eq!(
            outbox.take(),
            vec![
                Released::Failed("show", WriteError::WriterGone),
                Released::Durable("session event")
            ]
        );
    }

    #[test]
    fn settling_a_later_batch_releases_everything_up_to_it() {
        let mut outbox = Outbox::default();
        outbox.next_batch();
        outbox.push("one");
        let last = outbox.next_batch();
        outbox.push("two");
        outbox.settle(last, Ok(()));
        assert_eq!(outbox.take(), durable(&["one", "two"]));
    }
}
