//! Background jobs and the site's own keys.

use quire_store::{NewComment, NewJob};
use time::{Duration, OffsetDateTime};

use crate::support::{Fixture, comment, post, writer};

on_both_backends!(
    jobs_queued_with_a_comment_are_claimed_once_and_retried,
    jobs_claimed_by_racing_workers_go_to_exactly_one_of_them,
    jobs_not_yet_due_or_of_other_kinds_wait_and_given_up_jobs_stop,
    a_site_key_is_made_once_and_kept,
);

fn job(kind: &str, n: i64, run_at: OffsetDateTime) -> NewJob {
    NewJob { kind: kind.into(), payload: serde_json::json!({ "n": n }), run_at }
}

async fn queue(f: &Fixture, jobs: Vec<NewJob>) {
    let user = writer(&f.store).await;
    let id = f.store.create_post(&post(user.id, "p", "P", "x", OffsetDateTime::now_utc())).await.unwrap();
    f.store.create_comment(&NewComment { jobs, ..comment(id, None, "Ruth") }).await.unwrap();
}

async fn jobs_queued_with_a_comment_are_claimed_once_and_retried(f: &Fixture) {
    queue(f, vec![job("mail.test", 1, OffsetDateTime::now_utc())]).await;
    let claimed = f.store.claim_jobs("a", "mail.", 10, 60).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].payload["n"], 1);
    assert_eq!(claimed[0].kind, "mail.test");
    assert!(f.store.claim_jobs("b", "mail.", 10, 60).await.unwrap().is_empty(), "a leased job is not claimed twice");
    f.store
        .retry_job(claimed[0].id, "smtp down", Some(OffsetDateTime::now_utc() - Duration::seconds(1)))
        .await
        .unwrap();
    let again = f.store.claim_jobs("b", "mail.", 10, 60).await.unwrap();
    assert_eq!(again[0].attempts, 1);
    f.store.finish_job(again[0].id).await.unwrap();
    assert_eq!(f.store.pending_jobs().await.unwrap(), 0);
}

async fn jobs_claimed_by_racing_workers_go_to_exactly_one_of_them(f: &Fixture) {
    let now = OffsetDateTime::now_utc();
    queue(f, (0..40).map(|n| job("mail.race", n, now - Duration::seconds(40 - n))).collect()).await;
    let mut workers = Vec::new();
    for w in 0..6 {
        let store = f.store.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_jobs(&format!("worker-{w}"), "mail.", 3, 60).await.unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|j| j.payload["n"].as_i64().unwrap()));
            }
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all, (0..40).collect::<Vec<_>>(), "every job claimed, none twice");
}

async fn jobs_not_yet_due_or_of_other_kinds_wait_and_given_up_jobs_stop(f: &Fixture) {
    let now = OffsetDateTime::now_utc();
    queue(
        f,
        vec![
            job("mail.second", 2, now - Duration::seconds(5)),
            job("mail.first", 1, now - Duration::seconds(10)),
            job("mail.later", 3, now + Duration::hours(1)),
            job("image.variants", 4, now - Duration::seconds(20)),
            job("mail%", 5, now - Duration::seconds(1)),
            job("MAIL.shouting", 6, now - Duration::seconds(1)),
        ],
    )
    .await;
    let claimed = f.store.claim_jobs("a", "mail.", 10, 60).await.unwrap();
    let kinds: Vec<_> = claimed.iter().map(|j| j.kind.as_str()).collect();
    assert_eq!(kinds, ["mail.first", "mail.second"], "due jobs of the kind (an exact prefix), oldest first");
    assert_eq!(f.store.pending_jobs().await.unwrap(), 6);
    f.store.retry_job(claimed[0].id, "bounced for good", None).await.unwrap();
    f.store.finish_job(claimed[1].id).await.unwrap();
    assert_eq!(f.store.pending_jobs().await.unwrap(), 4, "a job given up is done");
    let images = f.store.claim_jobs("a", "image.", 10, 60).await.unwrap();
    assert_eq!(images.len(), 1);
    // An expired lease makes the job claimable again (a worker died holding it).
    let expired = f.store.claim_jobs("b", "mail%", 10, -1).await.unwrap();
    assert_eq!(expired.len(), 1);
    let retaken = f.store.claim_jobs("c", "mail%", 10, 60).await.unwrap();
    assert_eq!(retaken.iter().map(|j| j.id).collect::<Vec<_>>(), [expired[0].id]);
}

async fn a_site_key_is_made_once_and_kept(f: &Fixture) {
    let first = f.store.site_key("form", b"first").await.unwrap();
    let second = f.store.site_key("form", b"second").await.unwrap();
    assert_eq!(first, b"first");
    assert_eq!(second, b"first");
    let binary: Vec<u8> = (0..=255).collect();
    assert_eq!(f.store.site_key("cookie", &binary).await.unwrap(), binary, "any bytes");
}
