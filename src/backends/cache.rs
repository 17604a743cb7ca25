//! Reference data cached per client, fetched once however many callers ask at the same time.
//!
//! Owns: [`Cached`], a value with a time to live behind a tokio mutex that is held while it is
//! fetched, so N concurrent first calls make one upstream fetch and the others wait for it
//! (single flight). Used for django-helpdesk's queues and users and Freshdesk's agents,
//! groups, companies and ticket fields.
//! Must not: cache anything a write depends on being fresh (callers pass `refresh` for that),
//! or keep an error: a failed fetch is returned to its caller and the next call tries again.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::Result;

/// One cached value and when it was fetched.
pub struct Cached<T> {
    ttl: Duration,
    slot: Mutex<Option<(Instant, Arc<T>)>>,
    /// How many fetches have completed: a caller that waited sees whether one happened.
    fetches: std::sync::atomic::AtomicU64,
}

impl<T> Cached<T> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            slot: Mutex::new(None),
            fetches: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The cached value if it is fresh (and `refresh` is not set), else the value `fetch`
    /// returns, stored for the next callers. Concurrent callers wait for one fetch.
    pub async fn get<F, Fut>(&self, refresh: bool, fetch: F) -> Result<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        use std::sync::atomic::Ordering;
        let seen = self.fetches.load(Ordering::Acquire);
        let mut slot = self.slot.lock().await;
        if let Some((at, v)) = slot.as_ref() {
            // Fresh, or fetched by another caller while this one waited (even if refresh).
            let fetched_meanwhile = self.fetches.load(Ordering::Acquire) > seen;
            if (!refresh && at.elapsed() < self.ttl) || fetched_meanwhile {
                return Ok(v.clone());
            }
        }
        let v = Arc::new(fetch().await?);
        *slot = Some((Instant::now(), v.clone()));
        self.fetches.fetch_add(1, Ordering::Release);
        Ok(v)
    }

    /// How long a value is kept.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(start_paused = true)]
    async fn concurrent_first_calls_fetch_once_and_expiry_fetches_again() {
        let cache = Arc::new(Cached::<usize>::new(Duration::from_secs(60)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get(false, || async {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(fetches.fetch_add(1, Ordering::SeqCst))
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(*t.await.unwrap().unwrap(), 0);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        tokio::time::advance(Duration::from_secs(61)).await;
        let v = cache
            .get(false, || async {
                Ok(fetches.fetch_add(1, Ordering::SeqCst))
            })
            .await
            .unwrap();
        assert_eq!((*v, fetches.load(Ordering::SeqCst)), (1, 2));
        let v = cache
            .get(true, || async {
                Ok(fetches.fetch_add(1, Ordering::SeqCst))
            })
            .await
            .unwrap();
        assert_eq!(*v, 2, "refresh fetches anew");
    }

    #[tokio::test]
    async fn a_failed_fetch_is_not_kept() {
        let cache = Cached::<u8>::new(Duration::from_secs(60));
        let e = cache
            .get(false, || async {
                Err(crate::error::Error::internal("down"))
            })
            .await;
        assert!(e.is_err());
        let v = cache.get(false, || async { Ok(7) }).await.unwrap();
        assert_eq!(*v, 7);
    }
}
