//! The studio's engine turns: at most `slots` jobs at once, handed out by
//! priority — first pictures, then what a student clicked (a tornado, a
//! story), then refinements, smaller before larger — first come first
//! served within one. Work other than first pictures holds at most
//! `slots − 1` turns (when there are two or more), so a first picture
//! never waits behind a refinement. A waiter that goes away (its request
//! dropped, or stopped by the student's newer move) leaves the queue.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Notify, oneshot};

/// What a job is, in the order turns go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// A move's first picture.
    First,
    /// What a student clicked: a tornado, a story.
    Asked,
    /// A refinement of a picture already shown.
    Refine,
}

/// The turns, shared by every request.
pub struct Turns {
    slots: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Turns held, by first pictures and by everything else.
    held_first: usize,
    held_other: usize,
    /// Waiters by (priority, size, arrival).
    waiting: BTreeMap<(Priority, u64, u64), oneshot::Sender<Turn>>,
    arrivals: u64,
}

/// A turn: held while a job runs, handed to the next waiter when dropped.
pub struct Turn {
    turns: Arc<Turns>,
    priority: Priority,
}

impl Turns {
    /// Turns for `slots` jobs at once (at least one).
    pub fn new(slots: usize) -> Arc<Turns> {
        Arc::new(Turns { slots: slots.max(1), state: Mutex::new(State::default()) })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Most turns work of `priority` may hold.
    fn limit(&self, priority: Priority) -> usize {
        if priority == Priority::First || self.slots == 1 { self.slots } else { self.slots - 1 }
    }

    /// Whether `state` has a turn free for `priority`.
    fn free_for(&self, state: &State, priority: Priority) -> bool {
        let held = state.held_first + state.held_other;
        held < self.slots && (priority == Priority::First || state.held_other < self.limit(priority))
    }

    /// Waits for a turn for a job of `priority` and `size` (trials: the
    /// smaller goes first within a priority).
    pub async fn take(self: &Arc<Self>, priority: Priority, size: u64) -> Turn {
        let receiver = {
            let mut state = self.state();
            state.waiting.retain(|_, sender| !sender.is_closed());
            let ahead = state.waiting.keys().any(|(p, _, _)| *p <= priority);
            if !ahead && self.free_for(&state, priority) {
                return self.hand(&mut state, priority);
            }
            let (sender, receiver) = oneshot::channel();
            state.arrivals += 1;
            let key = (priority, size, state.arrivals);
            state.waiting.insert(key, sender);
            receiver
        };
        // The sender is dropped only after a turn was sent through it.
        receiver.await.unwrap_or_else(|_| unreachable!("a waiter's sender is kept until it is sent a turn"))
    }

    /// Counts a turn as held and makes it.
    fn hand(self: &Arc<Self>, state: &mut State, priority: Priority) -> Turn {
        if priority == Priority::First {
            state.held_first += 1;
        } else {
            state.held_other += 1;
        }
        Turn { turns: Arc::clone(self), priority }
    }

    /// Whether anyone waits, or more than `running` jobs (the asker's own)
    /// hold turns: the class is busy, and a refinement goes no further
    /// than the floor.
    pub fn busy(&self, running: usize) -> bool {
        let mut state = self.state();
        state.waiting.retain(|_, sender| !sender.is_closed());
        !state.waiting.is_empty() || state.held_first + state.held_other > running
    }

    /// Gives a released turn's place to the waiters it frees.
    fn release(self: &Arc<Self>, priority: Priority) {
        let mut state = self.state();
        if priority == Priority::First {
            state.held_first -= 1;
        } else {
            state.held_other -= 1;
        }
        loop {
            let Some(key) = state.waiting.keys().find(|(p, _, _)| self.free_for(&state, *p)).copied() else { return };
            let Some(sender) = state.waiting.remove(&key) else { return };
            if sender.is_closed() {
                continue;
            }
            let turn = self.hand(&mut state, key.0);
            if let Err(turn) = sender.send(turn) {
                // Gone between the check and the send: uncount, try the next.
                std::mem::forget(turn);
                if key.0 == Priority::First {
                    state.held_first -= 1;
                } else {
                    state.held_other -= 1;
                }
            }
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.turns.release(self.priority);
    }
}

/// A job's stop signal: a flag the engine polls between waves, and a
/// wake-up for a request still waiting for its turn.
#[derive(Default)]
pub struct Stop {
    flag: AtomicBool,
    raised: Notify,
}

impl Stop {
    /// Raises the signal.
    pub fn raise(&self) {
        self.flag.store(true, Ordering::Relaxed);
        self.raised.notify_waiters();
    }

    /// The flag the engine polls.
    pub fn flag(&self) -> &AtomicBool {
        &self.flag
    }

    /// Whether the signal is raised.
    pub fn is_raised(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// Resolves once the signal is raised.
    pub async fn raised(&self) {
        let notified = self.raised.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if !self.is_raised() {
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
    }

    async fn settle() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    #[test]
    fn first_pictures_go_before_clicks_and_refinements_smaller_first() {
        runtime().block_on(async {
            let turns = Turns::new(1);
            let held = turns.take(Priority::First, 0).await;
            let served = Arc::new(Mutex::new(Vec::new()));
            let order = [
                (Priority::Refine, 1_000_000),
                (Priority::Refine, 200_000),
                (Priority::Asked, 5),
                (Priority::First, 0),
            ];
            let tasks: Vec<_> = order
                .iter()
                .enumerate()
                .map(|(i, &(p, n))| {
                    let (t, served) = (Arc::clone(&turns), Arc::clone(&served));
                    tokio::spawn(async move {
                        let _turn = t.take(p, n).await;
                        served.lock().expect("lock").push(i);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    })
                })
                .collect();
            settle().await;
            assert!(turns.busy(1), "four wait");
            drop(held);
            for task in tasks {
                task.await.expect("task");
            }
            assert_eq!(*served.lock().expect("lock"), vec![3, 2, 1, 0]);
            assert!(!turns.busy(0), "every turn came back");
        });
    }

    #[test]
    fn a_first_picture_never_waits_behind_other_work_when_there_are_two_slots() {
        runtime().block_on(async {
            let turns = Turns::new(2);
            let refine = turns.take(Priority::Refine, 1_000_000).await;
            // The second slot is kept for first pictures.
            let t = Arc::clone(&turns);
            let story = tokio::spawn(async move { t.take(Priority::Asked, 1).await });
            settle().await;
            assert!(!story.is_finished(), "other work holds at most one of two turns");
            let first = tokio::time::timeout(Duration::from_secs(1), turns.take(Priority::First, 20_000)).await;
            assert!(first.is_ok(), "the first picture got the kept turn");
            drop(refine);
            settle().await;
            assert!(story.is_finished());
        });
    }

    #[test]
    fn a_waiter_that_goes_away_gives_up_its_place() {
        runtime().block_on(async {
            let turns = Turns::new(1);
            let held = turns.take(Priority::First, 0).await;
            let t = Arc::clone(&turns);
            let gone = tokio::spawn(async move { t.take(Priority::First, 0).await });
            let t = Arc::clone(&turns);
            let stays = tokio::spawn(async move { t.take(Priority::Refine, 0).await });
            settle().await;
            gone.abort();
            settle().await;
            drop(held);
            settle().await;
            assert!(stays.is_finished(), "the turn went past the waiter that left");
            drop(stays.await.expect("turn"));
            assert!(!turns.busy(0), "every turn came back");
        });
    }

    #[test]
    fn a_raised_stop_wakes_its_waiter() {
        runtime().block_on(async {
            let stop = Arc::new(Stop::default());
            let s = Arc::clone(&stop);
            let waiter = tokio::spawn(async move { s.raised().await });
            settle().await;
            stop.raise();
            assert!(tokio::time::timeout(Duration::from_secs(1), waiter).await.is_ok());
            assert!(stop.is_raised());
        });
    }
}
