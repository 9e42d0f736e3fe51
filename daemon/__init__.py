"""fakeradar scoring daemon."""
