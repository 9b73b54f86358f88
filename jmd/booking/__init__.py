"""Counselling appointments: free slots, bookings, imports, reminders (plain, testable logic)."""
