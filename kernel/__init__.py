"""What every layer above storage shares: settings, clock, repositories, guards, pacing, the dispatcher port."""
