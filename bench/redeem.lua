-- Each wrk thread redeems its own share of the voucher codes (one code per request, never twice).
local codes = {}
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do codes[#codes + 1] = line end
  token, place, stride = args[2], args[3], tonumber(args[4])
  index = id
end

function request()
  local code = codes[(index % #codes) + 1]
  index = index + stride
  return wrk.format("POST", "/api/v1/vouchers/" .. code .. "/redeem", {
    ["authorization"] = "Bearer " .. token,
    ["content-type"] = "application/json",
    ["idempotency-key"] = "wrk-" .. code,
  }, '{"placeId":' .. place .. '}')
end
