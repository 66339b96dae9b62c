//! The engine shared by every format: a month-long timeline on which normal activity arrives
//! (busier in office hours), follow-up lines wait in a time-ordered queue, planted events and
//! malformed lines are merged in, and everything is written in time order through [`Out`].

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::io::{self, Write};

use crate::clock::{self, HOUR, Month};
use crate::out::Out;
use crate::rng::Rng;
use crate::{Approval, Kind, Manifest, Planted, Spec};

/// What a generator and the engine share while writing one file.
pub struct Core<'w> {
    pub out: Out<'w>,
    pub rng: Rng,
    pub month: Month,
    /// How much normal activity to produce: arrivals for event logs, detail lines for backups.
    pub units: u64,
    pub planted: Vec<Planted>,
    /// The seed of the whole corpus (for the few facts one format takes from another's stream).
    pub seed: u64,
    /// A quiet month of history: no rare events (see [`Spec::history`]).
    pub history: bool,
    /// Register rows the lines written need.
    pub approvals: Vec<Approval>,
}

impl Core<'_> {
    /// Registers a planted event; its lines are the lines containing `needle` written between
    /// [`Core::begin`] and [`Core::end`].
    pub fn plant(&mut self, event: &str, t: i64, host: &str, needle: impl Into<String>) -> usize {
        self.planted.push(Planted {
            event: event.to_string(),
            time: clock::rfc3339(t),
            host: host.to_string(),
            needle: needle.into(),
            count: 1,
            ..Planted::default()
        });
        self.planted.len() - 1
    }

    /// The planted event `id`, to fill in its details.
    pub fn p(&mut self, id: usize) -> &mut Planted {
        &mut self.planted[id]
    }

    /// Starts recording lines of planted event `id`.
    pub fn begin(&mut self, id: usize) {
        let needle = self.planted[id].needle.clone();
        self.out.mark(id, &needle);
    }

    /// Stops recording planted lines.
    pub fn end(&mut self) {
        self.out.unmark();
    }

    /// Adds a row to the approval register.
    pub fn approve(&mut self, a: Approval) {
        self.approvals.push(a);
    }
}

/// One format's generator.
pub trait Gen {
    /// A follow-up or scheduled item waiting in the queue.
    type Ev;
    /// Arrivals per month at scale 1.
    const BASE_UNITS: u64;
    /// Whether normal activity comes as arrivals on the timeline (event logs) rather than as
    /// detail lines of scheduled runs (backups).
    const ARRIVALS: bool = true;

    /// Writes a file header, if the format has one.
    fn header(&mut self, _c: &mut Core) {}
    /// Plants the rare events and schedules runs.
    fn init(&mut self, c: &mut Core, q: &mut Queue<Self::Ev>);
    /// A normal arrival at `t`.
    fn arrival(&mut self, c: &mut Core, t: i64, q: &mut Queue<Self::Ev>);
    /// A queued item comes due at `t`.
    fn due(&mut self, c: &mut Core, t: i64, ev: Self::Ev, q: &mut Queue<Self::Ev>);
    /// Writes one malformed line of this format (variant 1 or 2) at `t`.
    fn malformed(&mut self, c: &mut Core, t: i64, variant: u32);
}

struct Item<E> {
    t: i64,
    seq: u64,
    ev: E,
}

impl<E> PartialEq for Item<E> {
    fn eq(&self, o: &Self) -> bool {
        self.t == o.t && self.seq == o.seq
    }
}
impl<E> Eq for Item<E> {}
impl<E> PartialOrd for Item<E> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Item<E> {
    fn cmp(&self, o: &Self) -> Ordering {
        // Reversed: the heap pops the earliest item, ties in insertion order.
        (o.t, o.seq).cmp(&(self.t, self.seq))
    }
}

/// Items waiting for their time, earliest first.
pub struct Queue<E> {
    heap: BinaryHeap<Item<E>>,
    seq: u64,
    now: i64,
}

impl<E> Queue<E> {
    fn new(now: i64) -> Self {
        Queue {
            heap: BinaryHeap::new(),
            seq: 0,
            now,
        }
    }

    /// Schedules `ev` at `t` (never before the current time, so output stays in time order).
    pub fn at(&mut self, t: i64, ev: E) {
        self.seq += 1;
        self.heap.push(Item {
            t: t.max(self.now),
            seq: self.seq,
            ev,
        });
    }

    fn peek_t(&self) -> i64 {
        self.heap.peek().map_or(i64::MAX, |i| i.t)
    }
}

/// Arrival times spread over the month in proportion to [`clock::activity_weight`].
struct Arrivals {
    cum: Vec<u64>,
    weights: Vec<u64>,
    start: i64,
    pos: u64,
    mean: u64,
    hour: usize,
}

impl Arrivals {
    fn new(month: &Month, units: u64) -> Self {
        let hours = (month.days * 24) as usize;
        let mut cum = Vec::with_capacity(hours + 1);
        let mut weights = Vec::with_capacity(hours);
        let mut acc = 0u64;
        cum.push(0);
        for h in 0..hours {
            let (hod, wd) = clock::hour_weekday(month.start + h as i64 * HOUR);
            let w = clock::activity_weight(hod, wd);
            weights.push(w);
            acc += w * HOUR as u64;
            cum.push(acc);
        }
        let mean = acc.checked_div(units).map_or(0, |m| m.max(1));
        Arrivals {
            cum,
            weights,
            start: month.start,
            pos: if units == 0 { u64::MAX } else { 0 },
            mean,
            hour: 0,
        }
    }

    fn next(&mut self, rng: &mut Rng) -> i64 {
        if self.pos == u64::MAX {
            return i64::MAX;
        }
        self.pos += rng.range(1, 2 * self.mean - 1);
        let total = *self.cum.last().unwrap_or(&0);
        if self.pos >= total {
            self.pos = u64::MAX;
            return i64::MAX;
        }
        while self.cum[self.hour + 1] <= self.pos {
            self.hour += 1;
        }
        let within = (self.pos - self.cum[self.hour]) / self.weights[self.hour];
        self.start + self.hour as i64 * HOUR + within as i64
    }
}

/// Writes one file of format `G` with `units` of normal activity.
pub fn run<G: Gen>(
    g: &mut G,
    kind: Kind,
    spec: &Spec,
    month: Month,
    units: u64,
    w: &mut dyn Write,
) -> io::Result<Manifest> {
    let mut c = Core {
        out: Out::new(w),
        rng: Rng::new(spec.seed, kind.salt()),
        month,
        units,
        planted: Vec::new(),
        seed: spec.seed,
        history: spec.history,
        approvals: Vec::new(),
    };
    let mut q = Queue::new(month.start);
    // Malformed lines get their times from a separate stream so that asking for them does not
    // change the rest of the file.
    let mut mrng = Rng::new(spec.seed, kind.salt() ^ 0x6d61_6c66);
    let mut mal: Vec<i64> = (0..spec.malformed)
        .map(|_| month.start + mrng.below((month.end - month.start) as u64) as i64)
        .collect();
    mal.sort_unstable();
    let mut mi = 0usize;

    g.header(&mut c);
    g.init(&mut c, &mut q);
    let mut arr = Arrivals::new(&month, if G::ARRIVALS { units } else { 0 });
    let mut next_arrival = arr.next(&mut c.rng);
    let mut n = 0u64;
    loop {
        let tq = q.peek_t();
        let tm = mal.get(mi).copied().unwrap_or(i64::MAX);
        let t = tq.min(tm).min(next_arrival);
        if t >= month.end {
            break;
        }
        q.now = t;
        if t == tq {
            if let Some(item) = q.heap.pop() {
                g.due(&mut c, item.t, item.ev, &mut q);
            }
        } else if t == tm {
            let id = c.plant("malformed", t, "", "");
            c.out.mark_next_line(id);
            let variant = (mi % 3) as u32;
            if variant == 0 {
                c.out
                    .b(b"\xff\xfe\xfd\x00\x1b[0m corrupted record \xc3\x28 ")
                    .u(mrng.next_u64() % 100_000);
                c.out.nl();
            } else {
                g.malformed(&mut c, t, variant);
            }
            c.out.unmark();
            mi += 1;
        } else {
            g.arrival(&mut c, t, &mut q);
            next_arrival = arr.next(&mut c.rng);
        }
        n += 1;
        if n.is_multiple_of(4096) && c.out.failed() {
            break;
        }
    }
    c.out.finish()?;
    for hit in c.out.take_hits() {
        if let Some(p) = c.planted.get_mut(hit.id) {
            p.lines.push(hit.line);
            p.offsets.push(hit.offset);
        }
    }
    let mut planted = c.planted;
    for p in &mut planted {
        if p.event == "malformed" {
            p.needle.clear();
        }
    }
    planted.sort_by(|a, b| a.time.cmp(&b.time));
    Ok(Manifest {
        kind,
        file: kind.file_name().to_string(),
        month: month.label(),
        seed: spec.seed,
        bytes: c.out.bytes(),
        lines: c.out.lines(),
        planted,
        approvals: c.approvals,
    })
}
