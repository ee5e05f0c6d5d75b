-- 10,000 distinct users (X-User-Id), so the canary splits real cohorts.
math.randomseed(42)
request = function()
  return wrk.format("GET", "/api/drivers/1", { ["X-User-Id"] = "user-" .. math.random(1, 10000) })
end
