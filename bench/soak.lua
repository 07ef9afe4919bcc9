-- wrk script for bench/soak.sh: a fixed, repeating mix of what readers do. Each thread walks the
-- same cycle of requests — reads of the essay, the other posts, the home page, an archive and the
-- feeds, searches — and every N-th request posts a distinct comment to the essay.
-- Arguments after `--`: post id, form token, N (a comment every N requests), essay path, and a tag
-- for this run (soak.sh runs wrk once a minute; the tag keeps each minute's comments distinct, or
-- the duplicate check would refuse them).

local next_id = 0

function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
end

local reads = {}
local queries = { "hailsham", "never+let+me+go", "%22the+pillow%22", "klara+-sun", "clon*", "tommy+kathy+ruth" }

function init(args)
    post_id = args[1]
    token = args[2]
    comment_every = tonumber(args[3])
    local essay = args[4]
    run = args[5] or "0"
    reads = {
        essay, essay, essay, essay, "/", "/2021/03/14/klara-and-the-sun/", "/about/", "/tag/ishiguro/",
        "/feed/", "/feed/atom/", "/feed.json", "/comments/feed/", essay .. "feed/", "SEARCH", "SEARCH", essay,
    }
    counter = 0
end

function request()
    counter = counter + 1
    if counter % comment_every == 0 then
        local body = "comment_post_ID=" .. post_id .. "&quire_token=" .. token .. "&comment_parent=0"
            .. "&author=Soak+" .. id .. "&email=soak" .. id .. "%40example.org"
            .. "&comment=Soak+" .. run .. "-" .. id .. "-" .. counter .. "%3A+Kathy+plays+the+tape+once+more."
        return wrk.format("POST", "/comments", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
    end
    local path = reads[(counter % #reads) + 1]
    if path == "SEARCH" then
        path = "/search?q=" .. queries[(counter % #queries) + 1]
    end
    return wrk.format("GET", path)
end
