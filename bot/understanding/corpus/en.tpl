# English. Written by the wismo team; see README.md in this folder.
@item = order | package | parcel | pkg | stuff | hoodie | shoes | dress | item | delivery | shipment | phone case | sneakers | bag
@items = orders | packages | parcels | deliveries | items | things
@ago = 2 weeks | 10 days | a week | a month | 3 weeks | 5 days | two weeks | over a week | 12 days
@hi = | hi | hey | hello | yo | hi there | good morning | hiya | excuse me
@pl = | please | pls | plz | thanks | thx | ??? | !! | 🙏
@country = Brazil | Canada | the UK | Germany | Australia | Mexico | France | Spain | Saudi Arabia | Texas

== where_is_my_order status
{hi} where is my {item} {pl}
{hi} where's my {item}?
wheres my {item} at
wya {item}
wya
my {item} wya??
were is my pakage
whereismyorder
{hi} any update on my {item}? {pl}
{hi} any news about my {item}
can you (check|tell me|look up) where my {item} is {pl}
(can|could) (u|you) check the status of my {item}
what's the status of my {item}?
status of my {item} {pl}
order status?
can i check on my (deliveries|orders|packages)
i'd like to look at my {items}
I'd like to (track|trace) my {item}
how do i track my {item}
track my {item} {pl}
tracking for {n}?
{n}
{hi} {n}
{n} {pl}
{n} where is it
where is {n}
{hi} my tracking number is {n}, where is it now?
order #{n} where is it
what's happening with my {item}
(did|has) my {item} (ship|shipped|been shipped) yet?
has my order been dispatched?
is my {item} on the way?
is my {item} out for delivery?
is it shipped?
did you send my {item} already
just checking on my {item}
checking in on order {n}
can i get an update on {n}
hey is my stuff coming
where my {item} at
where da {item} at
pkg status? {n}
is the {item} with the courier yet
which carrier is delivering my {item}?
whats the tracking number for my {item}
can you send me the tracking (link|number) for my {item}
the tracking link isn't working, where is my {item}?
tracking says in transit, where is it exactly?
it says out for delivery since yesterday morning??
the tracking page shows 'label created' only
e meu {item}?? where is it
{hi} i ordered (a|the) {item} {ago} ago, where is it?
i ordered on monday, has it left your warehouse?
where is my {item} i paid for
my {item} number {n} - any update?
can u check {n} for me
where is my refund order... i mean my {item}, where is it
what's the ETA on my {item}
where is the second package of my order
only one of my two parcels arrived, where's the other one?
part of my order is missing, where is the rest?
ordered the {item} last week, is it coming?
customs status for my {item}?
my {item} is in customs, what's happening?
is my parcel at the post office?
which post office has my {item}

== where_is_my_order delay
still nothing!!
still nothing {pl}
{ago} and no update
{ago} and still no {item}
it's been {ago} and my {item} still hasn't come
my {item} is late
my {item} is (so|really|very) late {pl}
why is my {item} taking so long?
why is it taking forever
this is taking forever!!
is my {item} lost?
is it lost?
did you lose my {item}?
i think my {item} got lost
my {item} is stuck in customs
it's been stuck in (customs|transit|sorting|the warehouse) for {ago}
nothing has moved since (monday|last week|tuesday)
No movement on the tracking since {ago}
the tracking hasn't updated in {ago}
tracking stopped updating
the tracking stopped updating {ago} ago
my parcel is 3 days overdue already
my {item} is overdue
it's overdue by (2 days|a week|3 days)
supposed to arrive (yesterday|last week|on friday) and nothing
paid for express shipping and still waiting after {ago}
what's the point of express shipping? {item} {ago} late!
what's the point of paying for fast shipping if it's still not here
{ago} of waiting, this is ridiculous 😡
still waiting on my {item} 😡
still waiting for order {n}
{n} has been stuck for {ago}
{n} hasn't moved in {ago}
the estimated delivery date passed and nothing
delivery date was yesterday, where is it??
it was due {ago} ago and nothing
why hasn't my {item} arrived yet?
why is my {item} delayed
my {item} hasn't arrived yet, it's been {ago}
{hi} my order {n} hasn't arrived yet, it's been {ago}
it's been ages and my {item} isn't here
nothing yet?? its been {ago}
still no {item}, {ago} now
delivery keeps getting pushed back
they keep changing the delivery date
is there a delay with my {item}?
is there a problem with my delivery? no update {ago}
customs is holding my {item} for {ago}
the courier missed the delivery window again
my parcel has been 'in transit' for {ago}
the package is going around in circles between warehouses
tracking says exception, is my parcel lost?
the driver never showed up
we agreed on delivery yesterday but nobody came
nobody came to deliver it, i waited all day

== where_is_my_order not_received
it says delivered but I didn't get anything
tracking says delivered but I never got my {item}
tracking shows delivered yesterday. I never received it.
marked as delivered but not here
says delivered but nothing at my door
it shows delivered but i have no {item}
i never received my {item} but it says delivered
the app says delivered, there's nothing in my mailbox
delivered?? no it wasn't, I have nothing
my {item} was marked delivered but it's not here, did it go to the wrong address?
status says delivered to a neighbour but i don't know who
it says left at front door, nothing there
says delivered to mailbox, checked twice, nothing
got a delivery confirmation but no {item}
{n} shows delivered but i didn't get it
the driver says delivered, i was home all day and nothing came
my {item} never came even though it says dlvrd
dlvrd?? not here
delivered to the wrong house?

== where_is_my_order returned
why is my {item} being sent back?
why is it being sent back?
{n} why is it being returned to the sender?
my {item} is being returned to you, why?
tracking says return to sender, what happened?
why did my {item} go back to the shop?
it says returning to sender, can you stop that?
the courier is sending my parcel back, why?
{n} says 'returned to sender' - what does that mean?
my {item} is going back to the seller, why?
why was my {item} shipped back to you
tracking shows the package is on its way back to the store
undeliverable and returned?? what happened to my {item}
the post office sent my {item} back to the sender
my order bounced back to the warehouse, why

== where_is_my_order delivery_time
when will my {item} arrive?
when will it arrive?
when will it come
when does my {item} get here
when should i expect my {item}
how soon will my {item} get here
how long does shipping take?
how long does shipping to {country} take?
how long does delivery to {country} usually take
how many days to ship to {country}?
what's the delivery time (to|for) {country}?
what's the shipping time
delivery times for {country}?
when is the estimated delivery date for {n}?
estimated delivery?
ETA?
eta on {n}?
when do you ship to {country} and how long does it take
if i order today when will it arrive?
if I order now will it arrive before christmas?
will it be here by friday?
will my {item} arrive before the weekend?
can it arrive by my birthday on the 12th?
how long until my {item} gets here
what day will my {item} be delivered
what time will the driver come?
how long does it take to get to {country}?
how many business days for delivery?
what's the delivery period after ordering
do you have express delivery? how many days?
when will {n} be delivered?

== human
can I talk to a real person
i want to speak to (someone|a human|an agent|a manager|customer service)
(let me|can i) talk to (a human|someone|a real person) {pl}
real person please
are you a bot? i need a human
connect me with customer support
is there anyone who can help me? a person please
get me a human
i need to speak to the owner
operator
human please
agent
call me please, this is urgent
stop the bot, talk to me like a person
is anyone there? i need help from a real person

== cancel_or_change hard
please cancel my order
cancel order {n}
i want to cancel {pl}
can i still cancel my {item}?
cancel it, it is taking forever
i changed my mind, cancel it
can I change the address on my order?
i need to change my delivery address
wrong address on order {n}, can you fix it?
can i change the size before it ships?
can you change the colour to black?
please update my shipping address to 12 Oak street
can i add one more item to my order?
i moved, can you send it to my new address instead?
please don't ship it, i want to cancel
how do I cancel my order

== refund_or_return hard
I want a refund
i want my money back
can u refund me, i got the wrong colour
how do i return my {item}?
i want to return this
where is my refund?
it never arrived, I want a refund
the {item} came broken, refund please
i want to send it back, it doesn't fit
how do I send the {item} back?
what's your return policy?
can I exchange it for a bigger size?
refund not received yet for {n}
the item is damaged, i want a replacement
i returned the {item} {ago} ago, when do i get my money?
where do i send the return?
can i get a return label?
wrong item received, i want to return it

== other hard
i can't find my invoices anywhere, where are they?
can i get an invoice for my order?
where can i download my invoice?
I need a receipt for {n}
i get an error when i try to pay
my payment didn't go through
the payment page keeps crashing
i was charged twice for my order
can i pay with paypal?
do you accept credit cards?
is cash on delivery available?
why was my card declined?
am i still on your mailing list?
how do i unsubscribe from the newsletter emails? i still want order updates
how do i sign up for your newsletter
I can't log into my account
i forgot my password
how do i delete my account?
how do i change my email on my account?
my account is locked
the site shows it's available
is this in stock?
is the {item} in stock in size M?
when will the black one be back in stock?
do you have this in blue?
what size should I get?
what material is the {item}?
do you sell phone cases?
how much is shipping to {country}?
how much does the {item} cost?
is there a discount code?
my discount code doesn't work
do you have a store in London?
are you open on sundays?
can I order by phone?
how do i place an order?
can i order as a gift?
does the dress run small?
is the {item} waterproof?
is this product available in {country}?
do you ship to {country}?
what's the status of my warranty claim?
the website won't load
where can I find the size guide?
the app keeps logging me out
i want to leave a review

== greeting
hello
hi
hey
hi there
good morning
good evening
hey there 👋
hiii
yo
hello?

== thanks
thank you so much!
thanks
thx
ty
thanks a lot 🙏
great, thanks
perfect thank you
cheers
thank you, got it
appreciate it
awesome thanks!!

== stop_updates
stop
STOP!
unsubscribe
stop sending me messages
stop the updates please
no more updates
i don't need the tracking updates anymore
please stop messaging me
opt out
leave me alone
enough

== other
ok
okay
👍
😂😂
lol
ok cool
nice
sure
yes
no
maybe
hmm
good to know
my email is jane.doe@example.com
📦❓😡
love your stuff!!
the hoodie looks amazing
what's your instagram handle
is this the official account?

# --- more paraphrases
@ship = shipping | delivery | shipment | postage
@prod = hoodie | t-shirt | phone case | dress | ring | necklace | jacket | mug | candle | poster
== where_is_my_order status
(any|some) (news|update|updates|info) on (my|the) {item}?
hey! what's up with my {item}
so where is my {item}??
hello, where is my {item}, i ordered it on the (3rd|12th|20th)
where can i see where my {item} is
can u tell me where my {item} is rn
is there tracking for my {item}?
i haven't got any tracking info for my {item}
pls check my {item} status asap
did u ship it yet
did my {prod} ship?
has my {prod} left the warehouse?
wheres my {prod}
where is my {prod} i ordered
any idea where my {item} is
hows my {item} doing
my {item} where is it now
update on my {item} please
location of my {item}?
is my {item} coming today?
is my {item} still in (china|the warehouse|customs|the depot)?
hey, just wondering where my {item} is
could you check on my {item} for me
where's the {prod} i bought last week
can you confirm my {item} was shipped
did you guys send out my {prod}
still got no tracking number, where is it?
where is my order? order number {n}
where is my {item} {n}
my order {n} - is it shipped?
i need to know where my {item} is
track {n}
{n} status
{n}?
{n} please check

== where_is_my_order delay
(still|STILL) (nothing|no package|no parcel|waiting) {pl}
it's been (forever|ages|weeks|a month) and nothing
why is it taking (so long|forever|weeks)
its been {ago} where is my {item}??
{ago} already and my {item} is not here
waiting {ago} for a {prod}, seriously?
my {prod} still hasn't shown up after {ago}
tracking hasn't moved since (monday|friday|last week|the 3rd)
it has been sitting at the depot for {ago}
been stuck on 'in transit' for {ago}
the {item} is (delayed|late|lost|stuck) (again|)
why no update on {n} for {ago}?
lost in the mail?
did my {item} get lost in the post?
is something wrong with my delivery, it's very late
still no sign of my {prod}
nothing has arrived and it's been {ago}
you said {ago} max, it's been longer
where the heck is my {item}, {ago} now!!
over a week late and no word from you
expected it last week, still nothing
2 weeks and no update 😡
past the delivery date and still nothing
why hasn't my {prod} come yet
it should've arrived by now

== where_is_my_order delivery_time
when (will|would|does|should) (it|my {item}|the {prod}) (arrive|come|get here|be delivered)?
when do i get my {prod}?
how (long|many days) (will|does) it take to (arrive|get here|ship)?
how long for {ship} to {country}?
what's the usual {ship} time to {country}?
how long is {ship}?
how fast is {ship} to {country}?
how long will {ship} take if i order today
how long do orders take to arrive?
expected delivery date?
when can i expect my {item}?
what's the estimated arrival for my {prod}?
do you know when it'll get here?
how quick is delivery?
when does it ship and when does it arrive?
any idea when my {item} will come?
will it arrive this week?
is it going to be here tomorrow?
roughly when will {n} arrive?
how long does it take from dispatch to delivery?

== other hard
@pay = paypal | apple pay | klarna | a credit card | bank transfer | google pay
how much is {ship} to {country}?
what does {ship} cost?
is {ship} free over $50?
do you have free {ship}?
can i pay with {pay}?
my {pay} payment failed
the checkout won't accept my card
i can't complete the payment
payment declined, what do i do?
was my payment received?
i paid but got no confirmation email
can i get a copy of my invoice?
where's my receipt?
i need an invoice with my company name
how do i update my billing info?
how do i reset my password?
can't sign in to my account
how do i change my username?
how do i unsubscribe from your emails
am i subscribed to your newsletter?
is the {prod} available in (black|white|red|size L|size S)?
is the {prod} back in stock?
when will you restock the {prod}?
out of stock?? when is it back
does the {prod} come in other colours?
how big is the {prod}?
is the {prod} real leather?
how do i wash the {prod}?
what's the price of the {prod}?
is there a sale on {prod}s?
do you do gift wrapping?
can i order the {prod} in bulk?
is this {prod} still available?
can i reserve the {prod}?
what's the status of my application?
what's the status of my exchange request ticket?
I want to check the status of my loyalty points
how many points do i have?
can i track my points balance?
can i buy a gift card?
do you have a physical shop?
what are your opening hours?
do you ship internationally?
which couriers do you use?

== refund_or_return hard
can i get my money back for the {prod}?
how do i return the {prod}?
i'd like to return my order
the {prod} is the wrong size, can i send it back?
i'm not happy with the {prod}, refund please
please refund order {n}
my refund for {n} hasn't come through
when will i get my refund?
how long do refunds take?
i want to exchange the {prod}
the {prod} arrived damaged, what now?
can i return it without the box?
i sent it back, did you get my return?

== cancel_or_change hard
cancel my order please
i want to cancel the {prod}
can you cancel {n}?
i ordered the wrong size, can i change it?
change my order to size M please
i need to update the delivery address for {n}
i put the wrong address, can you change it?
can you ship it to my work address instead?
can i change the delivery date?
can i combine my two orders?
i ordered twice by mistake, cancel one

== human
i want to talk to (customer service|a human|someone|a person|the manager)
(can|could) someone (call|email) me?
i need a real human not a bot
please connect me to an agent
speak to a person
let me speak to your manager
is there a human i can chat with?
talk to someone

== greeting
(hi|hello|hey|hiya|heya) (there|guys|team|everyone|) (!|!!|👋|)
good (morning|afternoon|evening) (!|👋|)
helloooo
hey hey

== thanks
(thanks|thank you|thx|ty|tysm) (so much|a lot|guys|!|!!|🙏|❤️|)
(great|perfect|awesome|amazing|cool|ok|okay) (thanks|thank you|ty) (!|)
thank you for your help
that's helpful, thanks
much appreciated

== stop_updates
(stop|STOP) (sending|texting|messaging) (me|)
(please|pls|) stop (the|) (updates|notifications|messages)
unsubscribe me
i don't want (these|any more) (messages|updates|notifications)
no more (messages|notifications|texts) please

== other
(ok|okay|k|kk|alright) (👍|!|)
(yes|yeah|yep|no|nope|sure|maybe)
(lol|haha|lmao) 😂
nice!
cool cool
i see
got it
oh ok
wow
🔥🔥
❤️
this is my email: tom.smith@example.com
my phone number is 555 0134
sorry wrong chat
never mind
just browsing
what's up

# --- third round: shorthand, complaints, not-received, near misses
== where_is_my_order status
where is it
where is it??
where's it at
wheres it
hello?? my order??
order??
my order pls
pkg?
tracking?
tracking pls
any tracking yet
yo wya with my order
wya w my pkg
where my stuff
hey where's my stuff
status update pls
can you give me an update
what's going on with my order
is my order ok?
did it leave yet
did it go out today
has it been sent
is it coming or not
hi is my parcel here yet
did you get my order and send it?
hey i ordered {ago} ago, any updates?
i'm waiting on an order, can you check it
can i see my tracking
can i get my tracking number
what carrier is it with
where can i track it
i'd like to check my order status
i want to know the status of my order
check my delivery status please
please look into my order
i need an update on my order
order update?
== where_is_my_order delay
the tracking hasn't changed since (sunday|the weekend|monday morning)
no updates since (monday|the 5th|last week|friday)
nothing since (tuesday|the weekend|last week)
hasn't moved in (days|a week|ages)
tracking is frozen
tracking's been the same for {ago}
stuck at the same location for {ago}
it says in transit for {ago} now
where is it?? been {ago}
it's late
so late
this is so late
way overdue
late again
still waiting...
still not here
still not here!! {ago}
it never came
it hasn't come yet
it's not here yet and it's been {ago}
it was supposed to be here already
this is unacceptable, {ago} and no package
i'm still waiting for my order from {ago} ago
you guys lost my package didn't you
missing package
my package is missing
is my package missing?
== where_is_my_order not_received
got a delivery (notice|email|text|notification) but no {item}
(the app|tracking|your email|the carrier) (says|shows|said) (it was|) delivered but (there's nothing|i got nothing|nothing came|it's not here)
supposedly delivered but i have nothing
it says delivered?? where
it's marked delivered and i never got it
delivered but not received
says delivered, not here
says it was delivered yesterday but i didn't receive anything
delivered to someone else?
it was delivered to the wrong address i think
i didn't get it but it says delivered
photo of delivery shows a door that isn't mine
my neighbour didn't get it either and it says delivered
== where_is_my_order delivery_time
delivery time?
shipping time?
how long is delivery
how long is shipping to {country}
how long till it arrives
when's it coming
when will i get it
when can i get it
when is delivery
when does it arrive
arrival date?
whats the eta
eta pls
what's the delivery window
how many days does shipping take to {country}?
what's the processing and delivery time
== other hard
where's my receipt? i need it for work
where can i find my order confirmation email?
i didn't get an order confirmation email
can you resend my order confirmation?
what's the status of my (application|complaint|ticket|support ticket|warranty claim|account verification)?
status of my subscription?
check my subscription status
i want to check my points balance
check my gift card balance
check my account balance
where do i enter my promo code
where is the size chart
where is your shop located?
where are you based?
where do you ship from?
where are your products made?
is shipping free?
how much is express shipping?
how much is delivery?
do you deliver on weekends?
can i pick up in store?
i want to update my phone number on my account
change my password
how do i change my email address
my card was charged but the order didn't go through
i paid twice, please check
payment failed again
checkout error
error at checkout
invoice please
i need an invoice
receipt pls
is it available?
available in XL?
restock?
when restock
is this sold out?
can i still buy it?
what colours does it come in?
does it come with a charger?
how do i use it?
is it good quality?
== refund_or_return hard
i want to return it
how to return
return please
refund please
refund?
i want my money back, it's broken
where is my refund, it's been {ago}
my refund hasn't arrived
send me a return label
it doesn't fit, how do i exchange
== cancel_or_change hard
cancel please
cancel my order
cancel
can i cancel?
change address please
new address: 5 Main St, can you update it?
i need to change the shipping address
please add a note to my order
can i change my order?
change size to L please
== human
agent please
human
person please
customer service
let me talk to someone
can i talk to someone
need to talk to a human
can someone help me? a real person
== greeting
hello!
hey!
hi :)
morning
evening
sup
== thanks
ty!
thank u
thanks!!
thx a lot
thank you 😊
ok thanks
ok thank you
== stop_updates
no more updates please
turn off notifications
don't message me again
please stop
stop pls
== other
❤️
😊
:)
k
ok ok
alright then
fine
that's fine
no worries
all good
sounds good
see you
bye

# --- fourth round
== where_is_my_order status
what carrier is my order with?
who is delivering my parcel?
i'm waiting on my order, can you check
can you check my order
is my {prod} still (in customs|at the depot|in the warehouse)?
== where_is_my_order not_received
got a delivery (confirmation|notification) but no (parcel|package|{prod})
== other hard
where's my (receipt|invoice|order confirmation)?
what's the status of my (loyalty points|points|rewards)?
i want to check my (loyalty points|rewards balance|store credit)
out of stock?? when will it be back
back in stock when?
how do i unsubscribe from marketing emails
unsubscribe me from the newsletter but keep order updates
== refund_or_return hard
i'd like to return (my order|it|the {prod})
how do i return my order
== cancel_or_change hard
update my shipping address to (12 Oak street|45 Elm road|my new flat) please
please change the address on my order
== thanks
cheers mate
cheers!

# --- payment errors that mention the order (hard negatives)
== other hard
i get an error message when i try to pay for my order
the payment for my order keeps failing with an error
when i try to pay for my {item} it shows an error
something goes wrong when i pay for my order
an error (comes up|appears|shows up) at checkout when i pay
i keep getting an error message trying to pay
why do i get a payment error on my order?
error message when paying by card, can you help?
it won't let me pay for my order, error every time
the pay button gives me an error
