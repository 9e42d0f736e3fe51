"""fakeradar training package."""
