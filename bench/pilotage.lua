-- Each request reads the next path of the filter mix (bench/pilotage.ts), with the administrator's API token.
local paths = {}
local index = 0

function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  token = args[2]
  index = math.random(#paths)
end

function request()
  index = (index % #paths) + 1
  return wrk.format("GET", paths[index], { ["authorization"] = "Bearer " .. token })
end
