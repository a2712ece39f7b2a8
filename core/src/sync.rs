//! Locks that survive a panic elsewhere: a poisoned cache is still a consistent cache (every
//! critical section leaves it whole), so it keeps serving instead of failing every request.

use std::sync::{Mutex, MutexGuard};

pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
